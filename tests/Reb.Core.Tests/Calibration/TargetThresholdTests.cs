using Reb.Core.Calibration;

namespace Reb.Core.Tests.Calibration;

public class TargetThresholdTests
{
    private static float[] Exponential(int n, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(-Math.Log(1 - rng.NextDouble()))).ToArray();
    }

    [Fact]
    public void EnoughScores_GiveACertifiedOrderStatistic_WithItsPredictedRateAndInterval()
    {
        var scores = Exponential(1000, 1);
        var r = TargetThreshold.FromScores(scores, new CalibrationOptions(), "test folds", 10);
        Assert.True(r.Certified);
        int j = r.OrderStatistic!.Value;
        var sorted = scores.Order().ToArray();
        Assert.Equal(sorted[j - 1], r.Threshold);
        Assert.Equal((1000.0 - j + 1) / 1001, r.PredictedFalseRejectRate, 12);
        Assert.True(r.PredictedLower < r.PredictedFalseRejectRate && r.PredictedFalseRejectRate < r.PredictedUpper);
        // Certified at 0.9 for 1 %: the predicted rate sits below the target, the 95 % end near it.
        Assert.True(r.PredictedFalseRejectRate < 0.01);
        Assert.Same(scores, r.OutOfFoldScores);
    }

    [Fact]
    public void FewScores_AreNotCertified_AndTheThresholdIsAtLeastTheMaximum()
    {
        var scores = Exponential(100, 2);
        var r = TargetThreshold.FromScores(scores, new CalibrationOptions(), "test folds", 10);
        Assert.False(r.Certified);
        Assert.Null(r.OrderStatistic);
        Assert.True(r.Threshold >= scores.Max());
        Assert.Contains("uncertified", r.Rule);
        // With exponential scores the extrapolation lands near the true 1 % quantile ln(100) = 4.6, not at the max
        // alone.
        Assert.InRange(r.Threshold, 3.5, 9);
        Assert.Equal(1 - Math.Pow(0.1, 1.0 / 100), r.DistributionFreeUpperAtMax, 12);
        Assert.InRange(r.PredictedUpper, r.PredictedLower, 1);
    }

    [Fact]
    public void BadInput_IsRefusedWithAClearMessage()
    {
        Assert.Throws<ArgumentException>(() => TargetThreshold.FromScores([1f], new CalibrationOptions(), "x", 2));
        Assert.Throws<ArgumentException>(() => TargetThreshold.FromScores([1f, float.NaN], new CalibrationOptions(),
            "x", 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => TargetThreshold.FromScores([1f, 2f],
            new CalibrationOptions { TargetFalseRejectRate = 0 }, "x", 2));
    }

    [Fact]
    public void GammaQuantile_InvertsItsCdf()
    {
        double x = TargetThreshold.GammaQuantile(1, 0.3); // Gamma(1) = Exp(1): quantile -ln(0.7)
        Assert.Equal(-Math.Log(0.7), x, 9);
    }
}
