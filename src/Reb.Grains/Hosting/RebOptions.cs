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
    /// Tensor jobs a silo runs at once (see Compute.ComputeGate): 1 on CPU silos, where one libtorch call already
    /// uses every core; more on GPU silos whose kernels queue on the device; 0 switches the gate off.
    /// </summary>
    public int ComputeSlots { get; set; } = 1;
}
