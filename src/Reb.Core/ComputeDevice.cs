using TorchSharp;
using static TorchSharp.torch;

namespace Reb.Core;

/// <summary>
/// Where tensors run: "cpu", "cuda" or "auto" (CUDA when libtorch reports it, else the CPU). The backbone, the
/// adaptation and the kNN search take the resolved device; everything else (decoding, maps, metrics) stays on the CPU.
/// The default build ships libtorch's CPU package, so "auto" resolves to the CPU there; a CUDA build is opt-in
/// (`-p:RebCuda=true`).
/// </summary>
public static class ComputeDevice
{
    public static IReadOnlyList<string> Names { get; } = ["cpu", "cuda", "auto"];

    /// <exception cref="ArgumentException">an unknown name, or "cuda" where libtorch has no CUDA device (says
    /// so).</exception>
    public static Device Resolve(string? name)
    {
        switch ((name ?? "cpu").Trim().ToLowerInvariant())
        {
            case "" or "cpu": return CPU;
            case "auto": return cuda.is_available() ? CUDA : CPU;
            case "cuda":
                if (!cuda.is_available())
                    throw new ArgumentException("Reb:Device is 'cuda' but libtorch reports no CUDA device (CPU " +
                        "build, or no driver); use 'auto' or 'cpu'");
                return CUDA;
            default: throw new ArgumentException($"device must be one of {string.Join(", ", Names)}, got '{name}'");
        }
    }
}
