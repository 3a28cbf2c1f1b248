using Reb.Core.Calibration;

namespace Reb.Core.Tests.Calibration;

/// <summary>
/// The drift test against exact binomial tails computed independently (Python, fractions, sum of C(n, i) p^i q^(n-i)).
/// Calibration: out-of-fold scores 1..100, threshold 99.5, so the 95 % reference score is 95 and 5 of the 99 passing
/// calibration parts lie at or above it (p0 = 5/99).
/// </summary>
public class ScoreDriftTests
{
    private static readonly float[] OutOfFold = Enumerable.Range(1, 100).Select(i => (float)i).ToArray();
    private const double Threshold = 99.5;

    private static double[] Recent(int n, int above) =>
        Enumerable.Range(0, n).Select(i => i < above ? 97.0 : 50.0).ToArray();

    [Theory]
    [InlineData(20, 1, 0.6453065406393198, false)]   // a healthy line
    [InlineData(10, 2, 0.08765052071473743, false)]  // two high parts of ten: no alarm on a few parts
    [InlineData(20, 3, 0.07729924662012272, false)]
    [InlineData(20, 5, 0.0026891565885859363, false)] // suspicious, not yet below 0.001
    [InlineData(20, 8, 3.0787847794355312e-06, true)] // a clear shift is caught within twenty parts
    [InlineData(3, 3, 0.00012882626901604557, true)]
    [InlineData(200, 20, 0.0029835513783399376, false)]
    public void PValue_IsTheExactBinomialUpperTail(int n, int above, double expectedP, bool drifting)
    {
        var r = ScoreDrift.Test(OutOfFold, Threshold, Recent(n, above))!;
        Assert.Equal(95, r.ReferenceScore);
        Assert.Equal(5.0 / 99, r.ExpectedShare, 12);
        Assert.Equal(n, r.Recent);
        Assert.Equal(above, r.Above);
        Assert.Equal((double)above / n, r.ObservedShare, 12);
        Assert.Equal(expectedP, r.PValue, expectedP * 1e-9);
        Assert.Equal(drifting, r.Drifting);
    }

    [Fact]
    public void A_looser_alpha_alarms_earlier_on_the_same_parts()
    {
        Assert.False(ScoreDrift.Test(OutOfFold, Threshold, Recent(20, 5))!.Drifting);
        Assert.True(ScoreDrift.Test(OutOfFold, Threshold, Recent(20, 5), alpha: 0.01)!.Drifting);
    }

    [Fact]
    public void A_score_equal_to_the_reference_counts_as_above()
    {
        var r = ScoreDrift.Test(OutOfFold, Threshold, [95.0, 94.999])!;
        Assert.Equal(1, r.Above);
    }

    [Fact]
    public void No_recent_parts_is_no_drift()
    {
        var r = ScoreDrift.Test(OutOfFold, Threshold, [])!;
        Assert.Equal(0, r.Recent);
        Assert.Equal(1, r.PValue);
        Assert.False(r.Drifting);
    }

    [Fact]
    public void Nothing_to_watch_when_the_reference_is_at_or_above_the_threshold()
    {
        Assert.Null(ScoreDrift.Test(OutOfFold, threshold: 95, Recent(20, 0)));
        Assert.Null(ScoreDrift.Test([], Threshold, Recent(20, 0)));
    }

    [Fact]
    public void The_quantile_picks_the_reference_order_statistic()
    {
        var r = ScoreDrift.Test(OutOfFold, Threshold, Recent(10, 0), quantile: 0.9)!;
        Assert.Equal(90, r.ReferenceScore);
        Assert.Equal(10.0 / 99, r.ExpectedShare, 12);
    }
}
