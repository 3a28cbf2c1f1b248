using Reb.Core.Calibration;

namespace Reb.Core.Tests.Calibration;

/// <summary>The binomial and Beta bounds behind the target threshold, against direct computations and a seeded
/// simulation.</summary>
public class BinomialBoundsTests
{
    [Theory]
    [InlineData(10, 0.3)]
    [InlineData(40, 0.9)]
    [InlineData(7, 0.5)]
    public void Cdf_MatchesPascalsTriangle(int n, double p)
    {
        // Probabilities built by n Bernoulli convolutions: no factorials, no logs.
        var pmf = new double[n + 1];
        pmf[0] = 1;
        for (int t = 0; t < n; t++)
            for (int i = t + 1; i >= 0; i--)
                pmf[i] = (i <= t ? pmf[i] * (1 - p) : 0) + (i > 0 ? pmf[i - 1] * p : 0);
        double running = 0;
        for (int k = 0; k <= n; k++)
        {
            running += pmf[k];
            Assert.Equal(running, BinomialBounds.Cdf(k, n, p), 10);
        }
    }

    [Fact]
    public void UpperQuantileOrder_IsTheSmallestCertifyingOrder_OrNoneWhenNIsTooSmall()
    {
        // 1 - 0.99^n >= 0.9 needs n >= 230: below that even the maximum cannot certify a 1 % rate.
        Assert.Null(BinomialBounds.UpperQuantileOrder(229, 0.99, 0.9));
        Assert.Equal(230, BinomialBounds.UpperQuantileOrder(230, 0.99, 0.9));
        int j = BinomialBounds.UpperQuantileOrder(2000, 0.99, 0.9)!.Value;
        Assert.True(BinomialBounds.Cdf(j - 1, 2000, 0.99) >= 0.9);
        Assert.True(BinomialBounds.Cdf(j - 2, 2000, 0.99) < 0.9);
    }

    [Fact]
    public void OrderStatisticThreshold_HoldsTheTargetAtTheStatedConfidence_InASimulation()
    {
        // Exponential good scores: the true false-reject rate of a threshold t is exp(-t). Over many seeded trials the
        // rule must keep the rate at or below the target in about `confidence` of them (not far fewer).
        const int n = 400, trials = 400;
        const double target = 0.02, confidence = 0.9;
        int j = BinomialBounds.UpperQuantileOrder(n, 1 - target, confidence)!.Value;
        var rng = new Random(14);
        int held = 0;
        for (int t = 0; t < trials; t++)
        {
            var x = Enumerable.Range(0, n).Select(_ => -Math.Log(1 - rng.NextDouble())).Order().ToArray();
            if (Math.Exp(-x[j - 1]) <= target) held++;
        }
        double rate = (double)held / trials;
        Assert.InRange(rate, 0.85, 0.97); // binomial sd of the rate over 400 trials is 0.015
    }

    [Fact]
    public void ClopperPearson_EndsAreWhereTheBinomialTailsReachHalfAlpha()
    {
        var (lo, hi) = BinomialBounds.ClopperPearson(3, 50, 0.9);
        Assert.Equal(0.05, 1 - BinomialBounds.Cdf(2, 50, lo), 6);   // P(X >= 3 | lo) = 0.05
        Assert.Equal(0.05, BinomialBounds.Cdf(3, 50, hi), 6);       // P(X <= 3 | hi) = 0.05
        Assert.Equal(0, BinomialBounds.ClopperPearson(0, 50, 0.9).Lower);
    }
}
