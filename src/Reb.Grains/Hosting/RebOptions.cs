namespace Reb.Grains.Hosting;

/// <summary>Settings of the REB grains on one silo, bound from configuration section "Reb".</summary>
public sealed class RebOptions
{
    public const string Section = "Reb";

    /// <summary>The artefact store every grain of this silo uses (section "Reb:ArtefactStore").</summary>
    public Reb.Storage.ArtefactStoreSettings ArtefactStore { get; set; } = new();

    /// <summary>The inspection history (section "Reb:History"): SQLite (default) or PostgreSQL, image sampling,
    /// retention.</summary>
    public Reb.Storage.Inspections.InspectionHistorySettings History { get; set; } = new();

    /// <summary>Where this silo keeps verified local copies of model versions, in a folder of its own named after its
    /// silo port (so a restarted silo finds its copies again); empty = a fresh temp folder per silo, removed at
    /// exit.</summary>
    public string CacheRoot { get; set; } = "";

    /// <summary>Most MiB of model copies the silo's cache keeps; the least recently used versions beyond it are removed
    /// (fetched again when asked for).</summary>
    public int CacheMaxMb { get; set; } = 16384;

    /// <summary>
    /// Where this silo's tensors run: "cpu", "cuda" or "auto" (CUDA when libtorch reports it). Backbone, adaptation and
    /// search use it; the silo's placement metadata follows from it.
    /// </summary>
    public string Device { get; set; } = "cpu";

    /// <summary>
    /// The accelerator published as silo metadata "hardware.accelerator" ("gpu" or "cpu"). Empty (the default) =
    /// derived from <see cref="Device"/>; set it only to steer placement by hand (e.g. a GPU node group in Kubernetes).
    /// </summary>
    public string Accelerator { get; set; } = "";

    /// <summary>
    /// Model versions a line's registry keeps, newest registrations first (0 = all). Older ones are removed from the
    /// registry, and from the artefact store when no other line holds them; never the current version, the one a roll
    /// back returns to, or one an inspection awaiting review names.
    /// </summary>
    public int MaxVersionsPerLine { get; set; } = 10;

    /// <summary>Largest feature chunk sent in one grain call (4 MiB: one image's patches in one chunk).</summary>
    public int MaxChunkBytes { get; set; } = Reb.Abstractions.Contracts.FeatureChunking.DefaultMaxBytes;
}
