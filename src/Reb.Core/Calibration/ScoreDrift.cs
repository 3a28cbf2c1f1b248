namespace Reb.Core.Calibration;

/// <summary>
/// Has the line's good-part score distribution moved since calibration? A lens smudge, new lighting or another supplier
/// shifts good scores up long before they cross the threshold, so the reject rate says nothing for days. The test
/// looks at the upper tail of the parts that passed: the calibration's out-of-fold good scores give a reference score
/// (their <c>quantile</c>, e.g. 95 %) and the share of passing parts expected above it; the recent passing parts give
/// the observed share. A one-sided exact binomial test decides: a handful of high parts cannot reach a small p-value
/// (no false alarm on a few parts), while a clear shift does within tens of parts (no waiting for hundreds).
/// </summary>
public static class ScoreDrift
{
    public const double DefaultQuantile = 0.95;

    /// <summary>A drifting line is one whose recent tail share has a one-sided p-value below this.</summary>
    public const double DefaultAlpha = 0.001;

    /// <summary>
    /// Tests the recent good-verdict scores (all below <paramref name="threshold"/>) against the out-of-fold good
    /// scores. Null when nothing can be said: no out-of-fold score below the threshold, or the reference score at or
    /// above it (no passing part can lie above it, so no tail to watch).
    /// </summary>
    public static DriftReading? Test(IReadOnlyList<float> outOfFold, double threshold, IReadOnlyList<double> recentGood,
        double quantile = DefaultQuantile, double alpha = DefaultAlpha)
    {
        if (!(quantile > 0 && quantile < 1))
            throw new ArgumentOutOfRangeException(nameof(quantile), quantile, "quantile must be in (0, 1)");
        if (!(alpha > 0 && alpha < 1))
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must be in (0, 1)");
        if (outOfFold.Count == 0) return null;
        var sorted = outOfFold.Select(s => (double)s).Order().ToArray();
        // The empirical quantile as an order statistic: X_(ceil(q n)), so at most (1 - q) of the scores lie above it.
        double reference = sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1)];
        if (reference >= threshold) return null;
        // Among calibration parts that would pass, the share at or above the reference: what a healthy line shows.
        int passing = sorted.Count(s => s < threshold);
        int passingAbove = sorted.Count(s => s >= reference && s < threshold);
        if (passing == 0) return null;
        double expected = (double)passingAbove / passing;
        int n = recentGood.Count;
        int above = recentGood.Count(s => s >= reference);
        // P(Bin(n, p0) >= above): how often a healthy line shows this many high passing parts or more.
        double pValue = above == 0 ? 1 : 1 - BinomialBounds.Cdf(above - 1, n, expected);
        pValue = Math.Clamp(pValue, 0, 1);
        return new DriftReading(quantile, reference, expected, n, above, n == 0 ? 0 : (double)above / n, pValue, alpha,
            pValue < alpha);
    }
}

/// <summary>One drift test of a line.</summary>
/// <param name="Quantile">Which out-of-fold quantile gives the reference score.</param>
/// <param name="ReferenceScore">That quantile of the out-of-fold good scores.</param>
/// <param name="ExpectedShare">Share of passing calibration parts at or above the reference score.</param>
/// <param name="Recent">Recent good-verdict parts tested.</param>
/// <param name="Above">How many of them scored at or above the reference score.</param>
/// <param name="PValue">One-sided exact binomial p-value of at least <paramref name="Above"/> under the calibration's
/// share.</param>
/// <param name="Drifting">p-value below <paramref name="Alpha"/>.</param>
public sealed record DriftReading(double Quantile, double ReferenceScore, double ExpectedShare, int Recent, int Above,
    double ObservedShare, double PValue, double Alpha, bool Drifting);
