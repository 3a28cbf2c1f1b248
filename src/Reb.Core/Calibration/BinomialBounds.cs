namespace Reb.Core.Calibration;

/// <summary>
/// Exact binomial tail probabilities and the Beta / Clopper-Pearson bounds built from them. Everything a
/// distribution-free threshold needs: for n exchangeable good scores, the chance that the unknown (1 - target)
/// quantile lies below the j-th order statistic is a binomial sum, and the false-reject rate of the j-th order
/// statistic is Beta(n - j + 1, j) distributed. Sums run in log space so n in the thousands stays accurate.
/// </summary>
public static class BinomialBounds
{
    /// <summary>P(Bin(n, p) &lt;= k).</summary>
    public static double Cdf(int k, int n, double p)
    {
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), n, "n must be >= 0");
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "p must be in [0, 1]");
        if (k < 0) return 0;
        if (k >= n) return 1;
        if (p == 0) return 1;
        if (p == 1) return 0;
        double logP = Math.Log(p), logQ = double.LogP1(-p), logPmf = n * logQ, sum = 0;
        for (int i = 0; i <= k; i++)
        {
            sum += Math.Exp(logPmf);
            // pmf(i + 1) = pmf(i) * (n - i) / (i + 1) * p / q: O(k) and no factorial tables.
            logPmf += Math.Log(n - i) - Math.Log(i + 1) + logP - logQ;
        }
        return Math.Min(1, sum);
    }

    /// <summary>
    /// Smallest j in 1..n with P(X_(j) &gt;= quantile_p) = P(Bin(n, p) &lt;= j - 1) &gt;= confidence, i.e. the order
    /// statistic that is an upper confidence bound of the p-quantile; null when even the maximum is not (n too small:
    /// 1 - p^n &lt; confidence).
    /// </summary>
    public static int? UpperQuantileOrder(int n, double p, double confidence)
    {
        CheckConfidence(confidence);
        if (!(p > 0 && p < 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "p must be in (0, 1)");
        double logP = Math.Log(p), logQ = double.LogP1(-p), logPmf = n * logQ, cdf = 0;
        for (int j = 1; j <= n; j++)
        {
            cdf += Math.Exp(logPmf);                       // now P(Bin(n, p) <= j - 1)
            if (cdf >= confidence * (1 - 1e-12) && Cdf(j - 1, n, p) >= confidence) return j;
            logPmf += Math.Log(n - (j - 1)) - Math.Log(j) + logP - logQ;
        }
        return null;
    }

    /// <summary>
    /// The q-quantile of Beta(a, b) for whole a, b &gt;= 1, from P(Beta(a, b) &lt;= x) = P(Bin(a + b - 1, x) &gt;= a),
    /// by bisection (60 halvings: far below any rate anyone reads).
    /// </summary>
    public static double BetaQuantile(int a, int b, double q)
    {
        if (a < 1 || b < 1) throw new ArgumentOutOfRangeException(nameof(a), $"Beta({a}, {b}) needs whole a, b >= 1");
        if (!(q >= 0 && q <= 1)) throw new ArgumentOutOfRangeException(nameof(q), q, "q must be in [0, 1]");
        double lo = 0, hi = 1;
        for (int i = 0; i < 60; i++)
        {
            double mid = 0.5 * (lo + hi);
            double cdf = 1 - Cdf(a - 1, a + b - 1, mid);
            if (cdf < q) lo = mid; else hi = mid;
        }
        return 0.5 * (lo + hi);
    }

    /// <summary>Two-sided Clopper-Pearson interval of a proportion (x successes in n) at the given coverage.</summary>
    public static (double Lower, double Upper) ClopperPearson(int x, int n, double coverage)
    {
        if (n < 1 || x < 0 || x > n)
            throw new ArgumentOutOfRangeException(nameof(x), $"{x} of {n} is not a proportion");
        CheckConfidence(coverage);
        double alpha = 1 - coverage;
        double lower = x == 0 ? 0 : BetaQuantile(x, n - x + 1, alpha / 2);
        double upper = x == n ? 1 : BetaQuantile(x + 1, n - x, 1 - alpha / 2);
        return (lower, upper);
    }

    private static void CheckConfidence(double c)
    {
        if (!(c > 0 && c < 1)) throw new ArgumentOutOfRangeException(nameof(c), c, "confidence must be in (0, 1)");
    }

}
