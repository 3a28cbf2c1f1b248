using Reb.Core.Calibration;

namespace Reb.Core.Tests.Calibration;

/// <summary>Which rule sets the threshold, what it records, and when the line warns.</summary>
public class ThresholdRuleTests
{
    private static float[] Spread(int n, float from, float to) => Enumerable.Range(0,
        n).Select(i => from + (to - from) * i / (n - 1)).ToArray();

    /// <summary>Six kinds, each with the given scores (the same for every kind).</summary>
    private static SyntheticEscapeEstimate Synthetic(float[] perKind) =>
        new(1, Enumerable.Range(0, 6).ToDictionary(k => $"kind{k}", _ => new KindDetection(perKind.Length, 0, 0,
            perKind)),
            perKind.Length, 0, "test");

    [Fact]
    public void A_certifiable_target_keeps_the_order_statistic_rule()
    {
        var good = Spread(400, 1, 100);
        var r = ThresholdRule.Choose(good, Synthetic(Spread(10, 50, 200)), new CalibrationOptions(), "folds", 400);
        Assert.True(r.Certified);
        Assert.Equal(ThresholdRule.Target, r.RuleKind);
        Assert.Equal(TargetThreshold.FromScores(good, new CalibrationOptions(), "folds", 400).Threshold, r.Threshold);
        Assert.NotNull(r.PredictedEscapeRate);
        Assert.Equal(r.Synthetic!.PredictedEscapeRate, r.PredictedEscapeRate);
    }

    [Fact]
    public void A_young_line_gets_the_cost_rule_with_both_rates_and_their_intervals()
    {
        // 50 goods in [1, 50]; defects 40..100: catching the 11 defects below 50.5 would cost goods 40..50, more than
        // the 3 % false-reject cap allows, so the cut catches what it can within the cap.
        var good = Spread(50, 1, 50);
        var defects = Spread(61, 40, 100);
        var r = ThresholdRule.Choose(good, Synthetic(defects), new CalibrationOptions(), "folds", 50);
        Assert.False(r.Certified);
        Assert.Equal(ThresholdRule.Cost, r.RuleKind);
        var expected = CostThreshold.Choose(good, Enumerable.Repeat(defects, 6).SelectMany(x => x).ToArray(), 10,
            new CalibrationOptions().MaxFalseRejectRate);
        Assert.True(expected.FalseRejectRate <= 0.03);
        Assert.Equal(expected.Threshold, r.Threshold);
        Assert.Equal(expected.FalseRejectRate, r.PredictedFalseRejectRate);
        Assert.Equal(expected.EscapeRate, r.PredictedEscapeRate!.Value, 12);
        Assert.InRange(r.PredictedFalseRejectRate, r.PredictedLower, r.PredictedUpper);
        Assert.InRange(r.PredictedEscapeRate!.Value, r.PredictedEscapeLower!.Value, r.PredictedEscapeUpper!.Value);
        Assert.Equal(10, r.EscapeCost);
        // The old extrapolated tail lay above every good score and let most defects through; the cost rule does not.
        var tail = TargetThreshold.FromScores(good, new CalibrationOptions(), "folds", 50);
        Assert.True(r.Threshold < tail.Threshold);
        Assert.Contains("50 good images cannot certify the 1 % false-reject target (230 needed)", r.Warning);
    }

    [Fact]
    public void Predicted_escapes_above_the_limit_are_said_in_words()
    {
        // Defects scored like the goods: at most escape costs the rule still misses many; the warning names the rate.
        var good = Spread(400, 1, 100);
        var defects = Spread(20, 1, 100);
        var r = ThresholdRule.Choose(good, Synthetic(defects), new CalibrationOptions { MaxPredictedEscape = 0.2 },
            "folds", 400);
        Assert.True(r.Certified);
        Assert.True(r.PredictedEscapeRate > 0.2);
        Assert.StartsWith("this line needs more good images or reviewed parts: predicted escapes ", r.Warning);
        Assert.Contains($"{100 * r.PredictedEscapeRate!.Value:0} % (limit 20 %)", r.Warning);
        // Below the limit and certified: no warning.
        var fine = ThresholdRule.Choose(good, Synthetic(Spread(20, 150, 300)), new CalibrationOptions(), "folds", 400);
        Assert.Null(fine.Warning);
    }
}
