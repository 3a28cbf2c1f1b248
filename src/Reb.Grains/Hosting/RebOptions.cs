using Reb.Storage;
namespace Reb.Grains.Hosting;

/// <summary>Settings of the REB grains on one silo, bound from configuration section "Reb".</summary>
public sealed class RebOptions
{
    public const string Section = "Reb";

    /// <summary>The artefact store every grain of this silo uses (section "Reb:ArtefactStore").</summary>
    public ArtefactStoreSettings ArtefactStore { get; set; } = new();

    /// <summary>Where this silo keeps verified local copies of model versions; empty = a fresh temp folder per silo.</summary>
    public string CacheRoot { get; set; } = "";

    /// <summary>This silo's accelerator, published as silo metadata "hardware.accelerator": "gpu" or "cpu".</summary>
    public string Accelerator { get; set; } = "cpu";

    /// <summary>Largest feature chunk sent in one grain call.</summary>
    public int MaxChunkBytes { get; set; } = 1 << 20;

    /// <summary>
    /// Tensor jobs a silo admits at once (see Compute.ComputeGate); 0 (the default) = no gate. Measured with
    /// `reb cluster bench --compute-slots 0|1` on the 2-core machine: one slot made 4-shard scoring slower (overhead
    /// vs one process 66-83 % instead of 12-16 %), because the shards of one image then search one after the other
    /// and a single search does not keep both cores busy. Kept as a knob for silos shared with other work.
    /// </summary>
    public int ComputeSlots { get; set; } = 0;
}
