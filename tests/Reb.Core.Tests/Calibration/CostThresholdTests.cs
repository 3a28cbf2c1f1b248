using Reb.Core.Calibration;

namespace Reb.Core.Tests.Calibration;

/// <summary>The cost rule on score sets whose best threshold can be worked out by hand.</summary>
public class CostThresholdTests
{
    private static float[] Range(float from, int count, float step = 1) => Enumerable.Range(0,
        count).Select(i => from + i * step).ToArray();

    [Fact]
    public void Separated_scores_get_the_cut_halfway_between_the_highest_good_and_the_lowest_defect()
    {
        var c = CostThreshold.Choose(Range(1, 10), Range(20, 10), 10);
        Assert.Equal(15, c.Threshold);
        Assert.Equal((0, 0), (c.FalseRejects, c.Escapes));
        Assert.Equal(0, c.Cost);
    }

    [Fact]
    public void One_low_defect_is_caught_when_an_escape_costs_more_than_the_good_parts_it_takes()
    {
        // Goods 1..10, one defect at 5.5 and nine at 30+. Catching the low one rejects goods 6..10: FRR 0.5 against an
        // escape rate of 0.1. At cost 10 the escape weighs 1.0 > 0.5: catch it. At cost 4 it weighs 0.4 < 0.5: let it
        // go.
        var good = Range(1, 10);
        var defects = new[] { 5.5f }.Concat(Range(30, 9)).ToArray();
        var high = CostThreshold.Choose(good, defects, 10);
        Assert.Equal(5.25, high.Threshold);
        Assert.Equal((5, 0), (high.FalseRejects, high.Escapes));
        Assert.Equal(0.5, high.Cost, 12);
        var low = CostThreshold.Choose(good, defects, 4);
        Assert.Equal(20, low.Threshold);
        Assert.Equal((0, 1), (low.FalseRejects, low.Escapes));
        Assert.Equal(0.4, low.Cost, 12);
    }

    [Fact]
    public void A_detector_blind_to_the_defects_rejects_everything_at_cost_10_and_nothing_at_cost_below_1()
    {
        var good = Range(10, 5);
        var defects = Range(1, 5);
        var c = CostThreshold.Choose(good, defects, 10);
        Assert.Equal(1, c.Threshold);                    // the lowest score: every part rejected
        Assert.Equal((5, 0), (c.FalseRejects, c.Escapes));
        var cheap = CostThreshold.Choose(good, defects, 0.5);
        Assert.True(cheap.Threshold > 14);               // above every score: nothing rejected
        Assert.Equal((0, 5), (cheap.FalseRejects, cheap.Escapes));
    }

    [Fact]
    public void Equal_costs_keep_the_highest_threshold()
    {
        // goods {1, 2}, defects {1.5, 3}, cost 1: t=1.25 -> FR 1/2, E 0 (0.5); t=2.5 -> FR 0, E 1/2 (0.5); t=1.75 ->
        // 0.5 + 0.5.
        var c = CostThreshold.Choose([1f, 2f], [1.5f, 3f], 1);
        Assert.Equal(2.5, c.Threshold);
        Assert.Equal(0.5, c.Cost, 12);
    }

    [Fact]
    public void Empty_or_non_finite_scores_are_refused()
    {
        Assert.Throws<ArgumentException>(() => CostThreshold.Choose([], [1f], 10));
        Assert.Throws<ArgumentException>(() => CostThreshold.Choose([1f], [float.NaN], 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => CostThreshold.Choose([1f], [2f], 0));
    }
}
