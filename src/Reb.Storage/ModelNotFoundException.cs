namespace Reb.Storage;

/// <summary>The artefact store has no complete model of the asked version (never published, or its publish never
/// finished).</summary>
public sealed class ModelNotFoundException(string version, string storeDescription, string manifestFile)
    : Exception($"model version '{version}' is not in {storeDescription}: it was never published there, or its " +
        "publish did not finish " +
                $"(its {manifestFile} is missing). List the published versions with ListModelsAsync.")
{
    public string Version { get; } = version;
}
