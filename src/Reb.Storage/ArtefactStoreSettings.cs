namespace Reb.Storage;

/// <summary>Which artefact store a silo (or an embedded cluster) uses; section "Reb:ArtefactStore".</summary>
public sealed class ArtefactStoreSettings
{
    public const string Section = "Reb:ArtefactStore";

    public const string Local = "local";
    public const string AzureBlob = "azureblob";

    /// <summary>"local" (a folder, the embedded default) or "azureblob" (one container, shareable by several
    /// sites).</summary>
    public string Kind { get; set; } = Local;

    /// <summary>Local store: its folder (relative paths are resolved against the working directory).</summary>
    public string Root { get; set; } = "artefacts";

    /// <summary>Azure Blob store: connection string (Azurite's development string works).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Azure Blob store: container name (created on first use).</summary>
    public string Container { get; set; } = "reb-artefacts";
}
