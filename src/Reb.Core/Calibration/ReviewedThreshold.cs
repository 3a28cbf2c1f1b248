namespace Reb.Core.Calibration;

/// <summary>
/// A threshold suggested by reviewed parts: the cut that makes the fewest mistakes on the labelled scores
/// (good parts at or above it are false rejects, defects below it are escapes), placed halfway between the two scores
/// it separates; among equally good cuts, the one nearest the current threshold (the calibrated rule stays in charge
/// where the reviews do not disagree with it). Null without any labelled score. A suggestion only: nothing applies it.
/// </summary>
public static class ReviewedThreshold
{
    public static double? Suggest(IReadOnlyList<double> good, IReadOnlyList<double> defects, double current)
    {
        if (good.Count + defects.Count == 0) return null;
        var all = good.Concat(defects).Distinct().OrderBy(x => x).ToArray();
        var cuts = new List<double>
        {
            current,
            all[0] - 1e-6 * Math.Max(1, Math.Abs(all[0])),
            all[^1] + 1e-6 * Math.Max(1, Math.Abs(all[^1]))
        };
        for (int i = 1; i < all.Length; i++) cuts.Add((all[i - 1] + all[i]) / 2);
        double best = current;
        int bestErrors = int.MaxValue;
        foreach (var t in cuts.OrderBy(t => Math.Abs(t - current)))
        {
            int errors = good.Count(s => Verdict.IsReject(s, t)) + defects.Count(s => !Verdict.IsReject(s, t));
            if (errors < bestErrors) { best = t; bestErrors = errors; }
        }
        return best;
    }

    /// <summary>Share of <paramref name="scores"/> on the wrong side: good parts at or above the threshold, or defects
    /// below it.</summary>
    public static double? Rate(IReadOnlyList<double> scores, double threshold, bool defects) =>
        scores.Count == 0 ? null : scores.Count(s => defects != Verdict.IsReject(s, threshold)) / (double)scores.Count;
}
