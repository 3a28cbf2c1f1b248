namespace Reb.Core.Calibration;

/// <summary>The threshold that minimises the stated cost over both predictions, and what it predicts.</summary>
/// <param name="FalseRejects">Good scores at or above the threshold (of <paramref name="Good"/>).</param>
/// <param name="Escapes">Defect scores below the threshold (of <paramref name="Defects"/>).</param>
public sealed record CostChoice(double Threshold, int FalseRejects, int Good, int Escapes, int Defects, double Cost)
{
    public double FalseRejectRate => (double)FalseRejects / Good;
    public double EscapeRate => (double)Escapes / Defects;
}

/// <summary>
/// A threshold that weighs both errors: good scores predict the false-reject rate FRR(t) = share of good scores &gt;=
/// t, defect scores predict the escape rate E(t) = share of defect scores &lt; t, and the threshold minimises
/// FRR(t) + escapeCost x E(t). Candidates: the lowest score (reject all), the midpoint between every two neighbouring
/// distinct scores (a cut between them, equally far from both), and just above the highest (reject none). Among equal
/// costs the highest threshold wins: it rejects the fewest good parts for the same cost. Candidates whose FRR(t) is
/// above <c>maxFalseRejectRate</c> are not taken ("reject none" always qualifies), so a detector that cannot yet
/// separate defects does not buy escapes with rejecting every part.
/// </summary>
public static class CostThreshold
{
    public static CostChoice Choose(IReadOnlyList<float> good, IReadOnlyList<float> defects, double escapeCost,
        double maxFalseRejectRate = 1.0)
    {
        if (good.Count == 0 || defects.Count == 0)
            throw new ArgumentException(
                $"the cost rule needs good and defect scores ({good.Count} good, {defects.Count} defects)");
        if (!(escapeCost > 0) || double.IsInfinity(escapeCost))
            throw new ArgumentOutOfRangeException(nameof(escapeCost), escapeCost, "the escape cost must be > 0");
        if (good.Concat(defects).Any(s => !float.IsFinite(s))) throw new ArgumentException("scores must be finite");
        var g = good.Select(x => (double)x).Order().ToArray();
        var d = defects.Select(x => (double)x).Order().ToArray();
        var all = g.Concat(d).Distinct().Order().ToArray();
        var candidates = new List<double>(all.Length + 1) { all[0] };
        for (int i = 1; i < all.Length; i++) candidates.Add(0.5 * (all[i - 1] + all[i]));
        candidates.Add(Math.BitIncrement(all[^1]));

        CostChoice? best = null;
        foreach (double t in candidates)
        {
            int falseRejects = g.Length - LowerBound(g, t);   // good >= t
            int escapes = LowerBound(d, t);                     // defects < t
            if ((double)falseRejects / g.Length > maxFalseRejectRate) continue;
            double cost = (double)falseRejects / g.Length + escapeCost * escapes / d.Length;
            // Candidates ascend, so "<=" keeps the highest of equal costs (with a relative tolerance for rounding).
            if (best is null || cost <= best.Cost + 1e-12 * Math.Max(1, best.Cost))
                best = new CostChoice(t, falseRejects, g.Length, escapes, d.Length, cost);
        }
        return best!;
    }

    /// <summary>Number of elements of the ascending array below <paramref name="value"/>.</summary>
    private static int LowerBound(double[] sorted, double value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi) { int mid = (lo + hi) >>> 1; if (sorted[mid] < value) lo = mid + 1; else hi = mid; }
        return lo;
    }
}
