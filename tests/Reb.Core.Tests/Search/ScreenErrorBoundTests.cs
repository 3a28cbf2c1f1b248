using Reb.Core.Search;
using static TorchSharp.torch;

namespace Reb.Core.Tests.Search;

public class ScreenErrorBoundTests
{
    [Theory]
    [InlineData(1, 0.5, KnnPrecision.Bf16Screened, false)]
    [InlineData(2, 0.1, KnnPrecision.Bf16Screened, false)]
    [InlineData(1, 0.5, KnnPrecision.Bf16Screened, true)]
    [InlineData(1, 0.5, KnnPrecision.Float32, false)]
    public void ObservedScreenError_StaysBelowThePerEntryBound(int seed, double spread, KnnPrecision precision,
        bool libTorchBf16)
    {
        using var scope = NewDisposeScope();
        var bankData = KnnSyntheticData.PatchLike(3000, 512, seed, spread: spread);
        var queries = KnnSyntheticData.PatchLike(64, 512, seed, spread: spread, sampleSeed: 5);
        using var bank = KnnBank.Create(bankData, new KnnOptions { Precision = precision });
        Assert.True(NativeGemm.IsAvailable, "these figures need MKL's GEMMs");

        // The screen exactly as the kernel forms it: -2 qh.bh from the same GEMM, + ||bc||^2, + ||qc||^2 (scaled
        // domain).
        var scaled = (queries - bank.Mean).to(ScalarType.Float64) * bank.Scale;
        var low = scaled.to(bank.Screen.dtype).contiguous();
        var tile = zeros(64, 3000);
        if (libTorchBf16) tile.copy_(low.mm(bank.Screen.t())).mul_(-2f); // bfloat16 output: + u'|tile| per entry
        else NativeGemm.GemmABt(low, bank.Screen, tile, -2f, 0f);
        var t = tile.data<float>().ToArray();
        var bankScaled = (bankData - bank.Mean).to(ScalarType.Float64) * bank.Scale;
        var screen = (tile.to(ScalarType.Float64) + bankScaled.pow(2).sum(1)) + scaled.pow(2).sum(1, true);
        var s = screen.data<double>().ToArray();
        var exact = KnnReference.AllDistances(queries, bankData);
        var nq = scaled.pow(2).sum(1).sqrt().data<double>().ToArray();
        var rq = (scaled - low.to(ScalarType.Float64)).pow(2).sum(1).sqrt().data<double>().ToArray();
        var nb = bankScaled.pow(2).sum(1).sqrt().data<double>().ToArray();
        var rb = (bankScaled - bank.Screen.to(ScalarType.Float64)).pow(2).sum(1).sqrt().data<double>().ToArray();

        double worstRatio = 0, scaleSq = bank.Scale * bank.Scale;
        for (int i = 0; i < 64; i++)
            for (int j = 0; j < 3000; j++)
            {
                double bound = ScreenErrorBound.For(512, nq[i], rq[i], nb[j], rb[j]) +
                    (libTorchBf16 ? Math.Abs(t[i * 3000 + j]) / 255.0 : 0);
                worstRatio = Math.Max(worstRatio, Math.Abs(s[i * 3000 + j] - exact[i][j] * scaleSq) / bound);
            }
        Assert.True(worstRatio < 1, $"observed screen error reached {worstRatio:F3} of the bound");
        // bfloat16: the input rounding term dominates and is nearly attained; float32: the worst-case d v accumulation
        // term is far above typical (random-walk) errors, but the bound must still not be vacuous.
        double floor = precision == KnnPrecision.Bf16Screened ? 0.01 : 1e-4;
        Assert.True(worstRatio > floor,
            $"the screen error ({worstRatio:F4} of the bound) should be measurable, else the check proves nothing");
    }

    [Fact]
    public void Bank_IsScaledToUnitRadius_AndResidualsAreWithinTheTextbookBound()
    {
        using var bankData = KnnSyntheticData.PatchLike(2000, 128, 4) * 1e-25f;
        using var bank = KnnBank.Create(bankData);
        // Scaled so that sqrt(d) * max |coordinate| is in (1/2, 1]: the largest norm is then between 1/(2 sqrt(d)) and
        // 1.
        var b = bank.Rows.B.Max();
        Assert.InRange(b, 1 / (2 * MathF.Sqrt(128)), 1.01f);
        // ||bf16(x) - x|| <= 2^-8 ||x|| for round-to-nearest: the measured residual must respect it, and be non-zero.
        for (int i = 0; i < 2000; i++) Assert.True(bank.Rows.Residual[i] <= bank.Rows.B[i] / 256 * (1 + 1e-5));
        Assert.True(bank.Rows.Residual.Max() > 0);
    }

    [Fact]
    public void StartUpProbe_FindsFloat32AccumulationInMklsBf16Gemm()
    {
        // This machine's libtorch embeds MKL with gemm_bf16bf16f32; the probe must accept it (and decides the screen).
        Assert.Equal(NativeGemm.IsAvailable, ScreenPrecisionProbe.Bf16GemmAccumulatesInFloat32);
        using var bankData = rand(50, 16);
        using var bank = KnnBank.Create(bankData);
        Assert.Equal(ScreenPrecisionProbe.Bf16GemmAccumulatesInFloat32, bank.ScreensInBf16);
    }
}
