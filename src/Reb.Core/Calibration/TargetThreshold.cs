using System.Globalization;

namespace Reb.Core.Calibration;

/// <summary>
/// The threshold for a target false-reject rate from n out-of-fold good scores.
/// Certified rule (enough scores): the smallest order statistic X_(j) with P(quantile_(1-target) &lt;= X_(j)) &gt;=
/// confidence, which is P(Bin(n, 1 - target) &lt;= j - 1) &gt;= confidence for ANY continuous score distribution. Its
/// false-reject rate is Beta(n - j + 1, j) distributed: mean (n - j + 1) / (n + 1), interval from Beta quantiles.
/// Small-n rule (1 - (1 - target)^n &lt; confidence, e.g. n &lt; 230 at 1 % / 0.9): no order statistic can certify the
/// target, so the upper tail is extrapolated: the top k = ceil(sqrt(n)) (at least 5) excesses over X_(n-k) are taken as
/// exponential (the usual peaks-over-threshold model, light tails), the scale is raised to its one-sided upper bound at
/// the confidence (sum of k exponential excesses is Gamma(k, scale)), and the threshold is
/// max(X_(n), u + scale_upper * ln(k / (n * target))). That is a model, not a guarantee; the record says so.
/// </summary>
public static class TargetThreshold
{
    public static CalibrationRecord FromScores(float[] outOfFoldScores, CalibrationOptions options, string foldRule,
        int folds)
    {
        options.Validate();
        int n = outOfFoldScores.Length;
        if (n < 2) throw new ArgumentException(
            $"{n} out-of-fold scores: at least 2 good images are needed to calibrate", nameof(outOfFoldScores));
        for (int i = 0; i < n; i++)
            if (!float.IsFinite(outOfFoldScores[i]))
                throw new ArgumentException($"out-of-fold score {i} is {outOfFoldScores[i]}", nameof(outOfFoldScores));
        double target = options.TargetFalseRejectRate, conf = options.Confidence;
        var sorted = (float[])outOfFoldScores.Clone();
        Array.Sort(sorted);
        double dfUpper = 1 - Math.Pow(1 - conf, 1.0 / n);
        const double coverage = 0.9; // two-sided 5 % / 95 % interval of the predicted rate
        var inv = CultureInfo.InvariantCulture;

        if (BinomialBounds.UpperQuantileOrder(n, 1 - target, conf) is { } j)
        {
            double threshold = sorted[j - 1];
            int a = n - j + 1, b = j;
            string rule = string.Format(inv, "order statistic X_({0}) of {1} out-of-fold good scores: P(true " +
                "{2:P2}-quantile <= threshold) >= {3} (distribution-free, binomial)",
                j, n, 1 - target, conf);
            return new CalibrationRecord(rule, threshold, target, conf, true, j, foldRule, folds,
                (double)a / (n + 1), BinomialBounds.BetaQuantile(a, b, (1 - coverage) / 2),
                BinomialBounds.BetaQuantile(a, b, (1 + coverage) / 2),
                coverage, dfUpper, outOfFoldScores);
        }

        int k = Math.Min(n - 1, Math.Max(5, (int)Math.Ceiling(Math.Sqrt(n))));
        double u = sorted[n - k - 1];
        double sum = 0;
        for (int i = n - k; i < n; i++) sum += sorted[i] - u;
        double scale = sum / k;
        // Gamma(k, 1) quantiles turn the sum of excesses into one-sided bounds of the exponential scale.
        double scaleUpper = sum / GammaQuantile(k, 1 - conf);
        double scaleLower = sum / GammaQuantile(k, conf);
        double logRatio = Math.Log(k / (n * target));
        double extrapolated = u + scaleUpper * Math.Max(0, logRatio);
        double thr = Math.Max(sorted[^1], extrapolated);
        double Tail(double s) => s <= 0 ? 0 : (double)k / n * Math.Exp(-(thr - u) / s);
        string small = string.Format(inv,
            "uncertified: {0} scores cannot certify {1:P2} at confidence {2} (needs >= {3}); threshold = max(X_(n), " +
            "u + b * ln(k/(n*target))) with the top k = {4} excesses over u = X_(n-k) taken as exponential and b " +
            "their scale's {2} upper bound",
            n, target, conf, (int)Math.Ceiling(Math.Log(1 - conf) / Math.Log(1 - target)), k);
        return new CalibrationRecord(small, thr, target, conf, false, null, foldRule, folds,
            Tail(scale), Tail(scaleLower), Tail(scaleUpper), 2 * conf - 1, dfUpper, outOfFoldScores);
    }

    /// <summary>q-quantile of Gamma(k, 1), whole k: P(Gamma(k,1) &lt;= x) = 1 - sum_{i&lt;k} e^-x x^i / i!, by
    /// bisection.</summary>
    public static double GammaQuantile(int k, double q)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be >= 1");
        double Cdf(double x)
        {
            double term = Math.Exp(-x), s = 0;
            for (int i = 0; i < k; i++) { s += term; term *= x / (i + 1); }
            return 1 - s;
        }
        double lo = 0, hi = k + 50.0 * Math.Sqrt(k) + 50;
        for (int i = 0; i < 100; i++)
        {
            double mid = 0.5 * (lo + hi);
            if (Cdf(mid) < q) lo = mid; else hi = mid;
        }
        return 0.5 * (lo + hi);
    }
}
