namespace Reb.Cluster.Tests.TestSupport;

/// <summary>The native-aspect cluster tests (native-aspect scoring and training) run one after the other.</summary>
[CollectionDefinition(Name)]
public sealed class AspectClusterCollection
{
    public const string Name = "Cluster: native-aspect lines";
}
