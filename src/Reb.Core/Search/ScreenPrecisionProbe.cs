using static TorchSharp.torch;

namespace Reb.Core.Search;

/// <summary>
/// Start-up check of the one property of the bfloat16 GEMM that <see cref="ScreenErrorBound"/> assumes but cannot
/// derive: it accumulates in float32 (MKL's gemm_bf16bf16f32 returns float32; libtorch's bfloat16 mm rounds that
/// float32 sum once to bfloat16, which the bound covers per entry). Each GEMM is probed; one that fails is not used,
/// and when neither passes (another build, an emulation accumulating in bfloat16) banks get the float32 screen instead.
/// </summary>
internal static class ScreenPrecisionProbe
{
    private static readonly Lazy<bool> Mkl = new(() => NativeGemm.IsAvailable && Run(mkl: true));
    private static readonly Lazy<bool> LibTorch = new(() => Run(mkl: false));

    /// <summary>True when MKL's gemm_bf16bf16f32 is available and accumulates and returns float32 (checked once per
    /// process).</summary>
    public static bool MklBf16Passes => Mkl.Value;

    /// <summary>True when libtorch's bfloat16 mm accumulates in float32 and rounds once to its bfloat16
    /// output.</summary>
    public static bool LibTorchBf16Passes => LibTorch.Value;

    /// <summary>True when some bfloat16 GEMM passed: banks are then prepared for the bfloat16 screen.</summary>
    public static bool Bf16GemmAccumulatesInFloat32 => MklBf16Passes || LibTorchBf16Passes;

    private static bool Run(bool mkl)
    {
        using var scope = NewDisposeScope();
        // x = 1 + 2^-7 is a bfloat16; x^2 = 1 + 2^-6 + 2^-14 needs 15 significant bits and every partial sum of 512 of
        // them is a multiple of 2^-14 below 2^10, so float32 (24 bits) holds each exactly in any summation order, while
        // a
        // bfloat16 (8) or float16 (11) accumulator or output cannot. Row 1 is 4096 x + 511 x = 4607 x: partial sums are
        // multiples of 2^-7 below 2^13 (20 bits). Shapes of a real tile so that MKL takes its production kernel.
        const int d = 512, rows = 32, cols = 96;
        var x = (float)(1 + Math.ScaleB(1, -7));
        var a = full(rows, d, x);
        var b = full(cols, d, x);
        a[1] = ones(d);
        a[1, 0] = 4096f;
        Tensor c;
        if (mkl)
        {
            c = zeros(rows, cols);
            NativeGemm.GemmABt(a.to(ScalarType.BFloat16), b.to(ScalarType.BFloat16), c, 1f, 0f);
        }
        else
        {
            // bfloat16 output: what can be checked is that it is the one rounding of the float32-exact sum.
            c = a.to(ScalarType.BFloat16).mm(b.to(ScalarType.BFloat16).t()).to(ScalarType.Float32);
        }
        float Expected(double v)
            => mkl ? (float)v : tensor((float)v).to(ScalarType.BFloat16).to(ScalarType.Float32).item<float>();
        double square = (double)x * x;
        return c[0, 0].item<float>() == Expected(d * square)
            && c[rows - 1, cols - 1].item<float>() == Expected(d * square)
            && c[1, cols / 2].item<float>() == Expected(4607.0 * x);
    }
}
