namespace Reb.Cluster.Tests.TestSupport;

/// <summary>Issue 13's cluster tests (native-aspect scoring and training) run one after the other.</summary>
[CollectionDefinition(Name)]
public sealed class AspectClusterCollection
{
    public const string Name = "Cluster: native-aspect lines";
}
