using System.Diagnostics;
using static TorchSharp.torch;

namespace Reb.Core.Search;

/// <summary>
/// Resolves <see cref="Bf16Gemm.Auto"/>: which bfloat16 GEMM screens faster on this machine, timed once per process
/// on a tile of the screen's own shape. The two have traded places from one machine to the next (libtorch's 7x
/// slower than MKL's on one 2-core machine, 3.4x faster on an AMD EPYC with AVX-512 BF16: docs/benchmarks.md), and the
/// answer is the same with either, so the choice is a pure speed one. A GEMM that failed its precision probe is never
/// chosen.
/// </summary>
public static class Bf16GemmChoice
{
    /// <summary>Below this speed-up libtorch's is not taken: MKL's float32 output gives a tighter bound, so fewer
    /// candidates to re-rank, which a bare GEMM timing does not see.</summary>
    public const double LibTorchMargin = 1.2;

    private static readonly Lazy<(Bf16Gemm Gemm, double MklSeconds, double LibTorchSeconds)> Measured = new(Measure);

    /// <summary>The GEMM <paramref name="asked"/> names, with Auto resolved (measured on first use).</summary>
    public static Bf16Gemm Resolve(Bf16Gemm asked) => asked == Bf16Gemm.Auto ? Measured.Value.Gemm : asked;

    /// <summary>What the start-up timing found: the choice and the best seconds of one tile with each GEMM
    /// (NaN for a GEMM not timed because its probe failed).</summary>
    public static (Bf16Gemm Gemm, double MklSeconds, double LibTorchSeconds) Timing => Measured.Value;

    /// <summary>True when the flat screen of <paramref name="bank"/> runs libtorch's bfloat16 mm (bfloat16 output);
    /// false for MKL's, or a float32 screen.</summary>
    internal static bool FlatUsesLibTorch(KnnBank bank, KnnOptions options) =>
        bank.ScreensInBf16 && UsesLibTorch(options.Bf16Gemm);

    /// <summary>True when the cell search's per-cell tiles of a bfloat16 bank run libtorch's mm; false for MKL's raw
    /// GEMM (or a float32 screen).</summary>
    internal static bool CellsUseLibTorch(KnnBank bank, KnnOptions options) =>
        bank.ScreensInBf16 && UsesLibTorch(options.CellBf16Gemm);

    /// <summary>The GEMM asked for unless its probe failed, then the other one.</summary>
    private static bool UsesLibTorch(Bf16Gemm asked) => Resolve(asked) == Bf16Gemm.LibTorch
        ? ScreenPrecisionProbe.LibTorchBf16Passes : !ScreenPrecisionProbe.MklBf16Passes;

    private static (Bf16Gemm, double, double) Measure()
    {
        bool mklOk = ScreenPrecisionProbe.MklBf16Passes, libTorchOk = ScreenPrecisionProbe.LibTorchBf16Passes;
        if (!mklOk || !libTorchOk) return (mklOk ? Bf16Gemm.Mkl : Bf16Gemm.LibTorch, double.NaN, double.NaN);
        using var scope = NewDisposeScope();
        // One image's queries against one bank tile (KnnOptions' defaults, half the width): about 2 GFLOP, a few
        // hundredths of a second with the faster GEMM.
        const int rows = 512, width = 4096, dim = 512;
        using var generator = new TorchSharp.torch.Generator(7);
        var q = randn([rows, dim], generator: generator).to(ScalarType.BFloat16);
        var b = randn([width, dim], generator: generator).to(ScalarType.BFloat16);
        var tile = empty(rows, width, ScalarType.Float32);
        double mkl = Best(() => NativeGemm.GemmABt(q, b, tile, -2f, 0f));
        double libTorch = Best(() => { using var dots = q.mm(b.t()).contiguous(); });
        return (libTorch * LibTorchMargin < mkl ? Bf16Gemm.LibTorch : Bf16Gemm.Mkl, mkl, libTorch);
    }

    /// <summary>Best of three after a warm-up run: the minimum is the figure least disturbed by other work.</summary>
    private static double Best(Action gemm)
    {
        gemm();
        double best = double.MaxValue;
        for (int i = 0; i < 3; i++)
        {
            var watch = Stopwatch.StartNew();
            gemm();
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }
        return best;
    }
}
