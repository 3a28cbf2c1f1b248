using static TorchSharp.torch;

namespace Reb.Core.Search;

/// <summary>Which GEMM screens the bank (chosen when the bank is prepared).</summary>
public enum KnnPrecision
{
    /// <summary>Screen with a float32 GEMM (tighter bound, about half the speed).</summary>
    Float32,
    /// <summary>Screen with a bfloat16 GEMM accumulating in float32 (MKL gemm_bf16bf16f32); the float32 screen is used
    /// instead when the start-up probe finds no such GEMM.</summary>
    Bf16Screened,
}

/// <summary>Which bfloat16 GEMM computes the screen tiles (both accumulate in float32; the answer is the
/// same).</summary>
public enum Bf16Gemm
{
    /// <summary>libtorch's bfloat16 mm (oneDNN): bfloat16 output, whose rounding the bound absorbs per entry. 7x slower
    /// than MKL's on one 2-core machine (2026-12-06), 3.4x faster on an AMD EPYC with AVX-512 BF16
    /// (2026-12-07).</summary>
    LibTorch,
    /// <summary>MKL's gemm_bf16bf16f32: float32 output (a tighter bound, fewer candidates).</summary>
    Mkl,
    /// <summary>The faster of the two on this machine, timed once per process (<see cref="Bf16GemmChoice"/>): the
    /// default.</summary>
    Auto,
}

/// <summary>Which GEMM computes a float32 screen tile (the answer is the same).</summary>
public enum Float32Gemm
{
    /// <summary>MKL's sgemm writing straight into the scan's tile (libtorch's mm when MKL's symbols are
    /// missing).</summary>
    Native,
    /// <summary>libtorch's mm on the screen's device, the tile copied to the CPU for the scan: the path a CUDA screen
    /// takes, selectable on the CPU so tests run the same device-generic code.</summary>
    LibTorch,
}

/// <summary>Tuning knobs of <see cref="KnnKernel"/>; the result is the same exact search whatever they are.</summary>
public sealed record KnnOptions
{
    /// <summary>Queries per tile (rows of one screening GEMM).</summary>
    public int QueryChunk { get; init; } = 512;
    /// <summary>Bank rows per tile (columns of one screening GEMM). Tile memory = 4 * QueryChunk * BankChunk
    /// bytes.</summary>
    public int BankChunk { get; init; } = 8192;
    /// <summary>Screen precision of a bank prepared with these options (<see cref="KnnBank.Create"/>).</summary>
    public KnnPrecision Precision { get; init; } = KnnPrecision.Bf16Screened;

    /// <summary>The bfloat16 GEMM of the screen (the other one is used if this one failed its start-up
    /// probe).</summary>
    public Bf16Gemm Bf16Gemm { get; init; } = Bf16Gemm.Auto;

    /// <summary>The bfloat16 GEMM of the cell search's per-cell tiles (many small ones): by default the one timed
    /// faster at start, as for the flat screen (MKL's is called on raw rows with no tensor per tile; libtorch's on
    /// tiles of a few fixed shapes).</summary>
    public Bf16Gemm CellBf16Gemm { get; init; } = Bf16Gemm.Auto;

    /// <summary>The float32 screen's GEMM on the CPU (a screen on another device always uses libtorch's mm
    /// there).</summary>
    public Float32Gemm Float32Gemm { get; init; } = Float32Gemm.Native;

    /// <summary>
    /// Where a bank prepared with these options keeps its screen copy and runs the screening GEMM: null = the CPU.
    /// On CUDA the screen is float32 (the bfloat16 probes are CPU-only) and every tile of -2 q.b comes back to the CPU,
    /// where the candidate scan and the float64 re-rank run unchanged. The guarantee is the CPU kernel's: exact
    /// float32 distances, ties to the lowest index, bitwise the CPU result (so shards on GPU silos still merge to the
    /// single-process score), PROVIDED the device GEMM accumulates in float32 as the error bound assumes, in any order:
    /// TF32 must stay off for float32 matmul (libtorch's default since 1.12).
    /// </summary>
    public Device? ScreenDevice { get; init; }

    /// <summary>The default options.</summary>
    public static KnnOptions Default { get; } = new();

    internal void Validate()
    {
        if (QueryChunk < 1) throw new ArgumentException($"KnnOptions.QueryChunk must be >= 1 (got {QueryChunk}).");
        if (BankChunk < 1) throw new ArgumentException($"KnnOptions.BankChunk must be >= 1 (got {BankChunk}).");
    }
}
