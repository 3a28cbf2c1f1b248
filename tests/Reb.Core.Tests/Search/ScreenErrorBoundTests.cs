using Reb.Core.Search;
using static TorchSharp.torch;

namespace Reb.Core.Tests.Search;

public class ScreenErrorBoundTests
{
    [Theory]
    [InlineData(1, 0.5)]
    [InlineData(2, 0.1)]
    public void ObservedBf16ScreenError_StaysBelowTheBound(int seed, double spread)
    {
        using var scope = NewDisposeScope();
        var bankData = KnnSyntheticData.PatchLike(3000, 512, seed, spread: spread);
        var queries = KnnSyntheticData.PatchLike(64, 512, seed, spread: spread, sampleSeed: 5);
        using var bank = KnnBank.Create(bankData);

        // The screen exactly as the kernel forms it: bfloat16 mm, per-entry lower bound -2x - 2u'|x| in
        // float32, + ||bc||^2 in float32, + ||qc||^2 in float64.
        var centred = queries - bank.Mean;
        var dots = centred.to(ScalarType.BFloat16).mm(bank.CentredBf16!.t()).contiguous();
        var lower = TopKAccumulator.LowerBounds(dots);
        var screen = (tensor(lower).reshape(64, 3000) + bank.CentredNormsSq).to(ScalarType.Float64) + centred.to(ScalarType.Float64).pow(2).sum(1, true);
        var exact = KnnReference.AllDistances(queries, bankData);
        var s = screen.data<double>().ToArray();
        var c64 = centred.to(ScalarType.Float64);
        var nq = c64.pow(2).sum(1).sqrt().data<double>().ToArray();
        var rq = (c64 - centred.to(ScalarType.BFloat16).to(ScalarType.Float64)).pow(2).sum(1).sqrt().data<double>().ToArray();

        double worstRatio = 0;
        for (int i = 0; i < 64; i++)
        {
            double bound = ScreenErrorBound.For(512, nq[i] * (1 + 1e-6), rq[i] * (1 + 1e-6), bank.MaxCentredNorm, bank.MaxRoundingResidual);
            for (int j = 0; j < 3000; j++)
                worstRatio = Math.Max(worstRatio, (s[i * 3000 + j] - exact[i][j]) / bound); // lower-bound violation
        }
        Assert.True(worstRatio < 1, $"observed screen excess over the true distance reached {worstRatio:F3} of the bound");
        Assert.True(worstRatio > 0.01, $"the screen error ({worstRatio:F4} of the bound) should be measurable, else the check proves nothing");
    }

    [Fact]
    public void MeasuredRoundingResidual_IsWithinTheTextbookBound()
    {
        using var bankData = KnnSyntheticData.PatchLike(2000, 128, 4);
        using var bank = KnnBank.Create(bankData);
        // ||bf16(x) - x|| <= 2^-8 ||x|| for round-to-nearest; the measured residual is what the bound uses.
        Assert.True(bank.MaxRoundingResidual <= bank.MaxCentredNorm / 256 * (1 + 1e-5));
        Assert.True(bank.MaxRoundingResidual > 0);
    }
}
