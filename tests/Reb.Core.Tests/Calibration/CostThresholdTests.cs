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
    public void The_false_reject_cap_keeps_a_weak_detector_from_rejecting_everything()
    {
        // 100 good scores 1..100; 20 defects: 10 clearly high (200..209), 10 buried among the good (41..50). Uncapped
        // at cost 10, rejecting from 41 up (60 % false rejects, no escapes, cost 0.6) beats every cut above the buried
        // defects (cost >= 5); capped at 3 %, no allowed cut catches a buried defect, so the cut lies between the goods
        // and the clear defects: no false rejects, the buried ten escape (and are predicted to).
        var good = Range(1, 100);
        var defects = Range(200, 10).Concat(Range(41, 10)).ToArray();
        var open = CostThreshold.Choose(good, defects, 10);
        Assert.Equal((60, 0), (open.FalseRejects, open.Escapes));
        var capped = CostThreshold.Choose(good, defects, 10, maxFalseRejectRate: 0.03);
        Assert.Equal((0, 10), (capped.FalseRejects, capped.Escapes));
        Assert.Equal(150, capped.Threshold);
        // Blind to the defects, capped: the cut stays within the cap instead of rejecting every part.
        var blind = CostThreshold.Choose(Range(10, 5), Range(1, 5), 10, maxFalseRejectRate: 0.03);
        Assert.Equal(0, blind.FalseRejects);
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
