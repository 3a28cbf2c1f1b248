namespace Reb.Core.Metrics;

/// <summary>Reject rates of a threshold (rule: score &gt;= threshold = reject). A rate is NaN when its class is
/// empty.</summary>
public readonly record struct RejectRates(double FalseRejectRate, double EscapeRate, int GoodCount, int DefectiveCount);

/// <summary>
/// Picks a reject threshold for a new production line from defect-free scores only: a new line has no labelled
/// defects, so F1-optimal search is impossible there.
/// </summary>
public static class ThresholdCalibration
{
    /// <summary>
    /// threshold = Q(quantile) + margin * (Q(quantile) - median), Q the linear-interpolated quantile of the good
    /// scores (numpy's default 'linear' method).
    /// Why: scoring good parts at or above Q(q) happens for about (1 - q) of them, so the quantile sets the
    /// expected false-reject rate on good parts (0.99 = about 1 %). That estimate comes from few images and is
    /// optimistic (the sample's upper tail is thinner than the line's, and calibration images may have been seen
    /// in training), so the threshold is pushed up by a fraction of the spread of the upper half of the scores,
    /// which scales with the score units of whatever model produced them.
    /// </summary>
    /// <exception cref="ArgumentException">No scores, or a NaN/infinite score.</exception>
    /// <exception cref="ArgumentOutOfRangeException">quantile outside [0.5, 1] or negative margin.</exception>
    public static double FromGoodScores(ReadOnlySpan<float> goodScores, double quantile = 0.99, double margin = 0.1)
    {
        if (goodScores.Length == 0) throw new ArgumentException(
            "no good scores given: calibration needs defect-free images", nameof(goodScores));
        if (!(quantile >= 0.5 && quantile <= 1))
            throw new ArgumentOutOfRangeException(nameof(quantile), quantile,
                "quantile must be in [0.5, 1] (below the median the margin would lower the threshold)");
        if (!(margin >= 0)) throw new ArgumentOutOfRangeException(nameof(margin), margin, "margin must be >= 0");
        for (int i = 0; i < goodScores.Length; i++)
            if (!float.IsFinite(goodScores[i])) throw new ArgumentException(
                $"goodScores[{i}] is {goodScores[i]}; scores must be finite", nameof(goodScores));

        var sorted = goodScores.ToArray();
        Array.Sort(sorted);
        double q = Quantile(sorted, quantile);
        double median = Quantile(sorted, 0.5);
        return q + margin * (q - median);
    }

    /// <summary>
    /// numpy.quantile(method='linear') of ascending <paramref name="sorted"/>: position h = (n-1)q, interpolated
    /// between the two neighbouring order statistics.
    /// </summary>
    public static double Quantile(ReadOnlySpan<float> sorted, double q)
    {
        if (sorted.Length == 0) throw new ArgumentException("no values", nameof(sorted));
        if (!(q >= 0 && q <= 1)) throw new ArgumentOutOfRangeException(nameof(q), q, "quantile must be in [0, 1]");
        double h = (sorted.Length - 1) * q;
        int lo = (int)Math.Floor(h);
        if (lo >= sorted.Length - 1) return sorted[^1];
        double frac = h - lo;
        return sorted[lo] + frac * ((double)sorted[lo + 1] - sorted[lo]);
    }

    /// <summary>
    /// False-reject rate (good parts with score &gt;= threshold, over good parts) and escape rate (defective parts
    /// with score &lt; threshold, over defective parts) of <paramref name="threshold"/>; labels true = defective.
    /// </summary>
    public static RejectRates RateAt(double threshold, ReadOnlySpan<float> scores, ReadOnlySpan<bool> labels)
    {
        if (scores.Length != labels.Length)
            throw new ArgumentException($"scores has {scores.Length} values but labels has {labels.Length}; they " +
                "must match one to one", nameof(labels));
        if (double.IsNaN(threshold)) throw new ArgumentException("threshold is NaN", nameof(threshold));
        int nan = Auroc.IndexOfNaN(scores);
        if (nan >= 0) throw new ArgumentException($"scores[{nan}] is NaN; scores must be numbers", nameof(scores));
        int good = 0, defective = 0, falseRejects = 0, escapes = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            bool reject = scores[i] >= threshold;
            if (labels[i]) { defective++; if (!reject) escapes++; }
            else { good++; if (reject) falseRejects++; }
        }
        return new RejectRates(
            good == 0 ? double.NaN : (double)falseRejects / good,
            defective == 0 ? double.NaN : (double)escapes / defective,
            good, defective);
    }
}
