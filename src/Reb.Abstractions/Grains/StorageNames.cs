namespace Reb.Abstractions.Grains;

/// <summary>Names of the providers the grains use; the silo host registers them.</summary>
public static class StorageNames
{
    /// <summary>Grain storage of product-line registries and training-job checkpoints.</summary>
    public const string Registry = "reb-registry";
}
