using static TorchSharp.torch;

namespace Reb.Core.Search;

/// <summary>
/// Start-up check of the one property of the bfloat16 GEMM that <see cref="ScreenErrorBound"/> assumes but cannot
/// derive: it accumulates in float32 (and returns float32). If it does not (another MKL build, emulation that
/// accumulates in bfloat16), banks are prepared for the float32 screen instead, which is always sound.
/// </summary>
internal static class ScreenPrecisionProbe
{
    private static readonly Lazy<bool> Result = new(Run);

    /// <summary>True when MKL's gemm_bf16bf16f32 is available and passes the probe (checked once per process).</summary>
    public static bool Bf16GemmAccumulatesInFloat32 => Result.Value;

    private static bool Run()
    {
        if (!NativeGemm.IsAvailable) return false;
        using var scope = NewDisposeScope();
        // x = 1 + 2^-7 is a bfloat16; x^2 = 1 + 2^-6 + 2^-14 needs 15 significant bits and every partial sum of 512 of
        // them is a multiple of 2^-14 below 2^10, so float32 (24 bits) holds each exactly in any summation order, while a
        // bfloat16 (8) or float16 (11) accumulator or output cannot. Row 1 is 4096 x + 511 x = 4607 x: partial sums are
        // multiples of 2^-7 below 2^13 (20 bits). Shapes of a real tile so that MKL takes its production kernel.
        const int d = 512, rows = 32, cols = 96;
        var x = (float)(1 + Math.ScaleB(1, -7));
        var a = full(rows, d, x);
        var b = full(cols, d, x);
        a[1] = ones(d);
        a[1, 0] = 4096f;
        var c = zeros(rows, cols);
        NativeGemm.GemmABt(a.to(ScalarType.BFloat16), b.to(ScalarType.BFloat16), c, 1f, 0f);
        double square = (double)x * x;
        return c[0, 0].item<float>() == (float)(d * square) && c[rows - 1, cols - 1].item<float>() == (float)(d * square)
            && c[1, cols / 2].item<float>() == (float)(4607.0 * x);
    }
}
