namespace Reb.Grains.Placement;

/// <summary>The silo metadata that tells placement which silos have a GPU.</summary>
public static class Accelerators
{
    public const string MetadataKey = "hardware.accelerator";
    public const string Gpu = "gpu";
    public const string Cpu = "cpu";

    /// <summary>The label a silo publishes: <paramref name="explicitAccelerator"/> when set (steering placement by
    /// hand), else derived from the resolved device, so a silo computing on CUDA is a GPU silo.</summary>
    public static string Resolve(TorchSharp.DeviceType device, string? explicitAccelerator) =>
        !string.IsNullOrWhiteSpace(explicitAccelerator) ? Normalize(explicitAccelerator)
        : device == TorchSharp.DeviceType.CUDA ? Gpu : Cpu;

    /// <summary>"gpu" or "cpu" (anything else is refused, so a typo does not silently mean cpu).</summary>
    public static string Normalize(string? value) => (value ?? Cpu).Trim().ToLowerInvariant() switch
    {
        "" or Cpu => Cpu,
        Gpu => Gpu,
        var other => throw new ArgumentException($"Reb:Accelerator must be 'gpu' or 'cpu', got '{other}'"),
    };
}
