namespace Reb.Core.Metrics;

/// <summary>A decision threshold with the F1, precision and recall it gives (rule: score &gt;= Threshold =
/// defect).</summary>
public readonly record struct F1Threshold(float Threshold, double F1, double Precision, double Recall);

/// <summary>Threshold search on labelled scores (for reporting; a new line without labelled defects uses <see
/// cref="ThresholdCalibration"/>).</summary>
public static class ThresholdSearch
{
    /// <summary>
    /// The observed score that, used as threshold with the rule score &gt;= threshold = defect, maximises F1.
    /// When several thresholds share the best F1, the highest one is returned (fewest false rejects).
    /// </summary>
    /// <exception cref="ArgumentException">Lengths differ, empty input or a NaN score.</exception>
    /// <exception cref="InvalidOperationException">No defective label (F1 would be 0 for every threshold).</exception>
    public static F1Threshold F1Optimal(ReadOnlySpan<float> scores, ReadOnlySpan<bool> labels)
    {
        if (scores.Length != labels.Length)
            throw new ArgumentException($"scores has {scores.Length} values but labels has {labels.Length}; they " +
                "must match one to one", nameof(labels));
        if (scores.Length == 0) throw new ArgumentException("no scores given", nameof(scores));
        int nan = Auroc.IndexOfNaN(scores);
        if (nan >= 0) throw new ArgumentException($"scores[{nan}] is NaN; scores must be numbers", nameof(scores));

        var sorted = scores.ToArray();
        var sortedLabels = labels.ToArray();
        Array.Sort(sorted, sortedLabels);
        long positives = 0;
        foreach (bool l in sortedLabels) if (l) positives++;
        if (positives == 0)
            throw new InvalidOperationException($"F1 is undefined: none of the {scores.Length} labels is defective");

        // Walk thresholds from the highest score down; after a tie block ends, TP/FP are the counts of score >= t.
        long tp = 0, fp = 0;
        long bestTp = -1, bestFp = 0;
        float bestThreshold = 0;
        for (int i = sorted.Length - 1; i >= 0; i--)
        {
            if (sortedLabels[i]) tp++; else fp++;
            if (i > 0 && sorted[i - 1] == sorted[i]) continue;
            // F1 = 2TP / (2TP + FP + FN) = 2TP / (TP + FP + P). Compare fractions exactly by cross-multiplying;
            // strict '>' keeps the first (highest) threshold among equals.
            if (bestTp < 0 || 2 * tp * (bestTp + bestFp + positives) > 2 * bestTp * (tp + fp + positives))
            {
                bestTp = tp; bestFp = fp; bestThreshold = sorted[i];
            }
        }
        double f1 = 2.0 * bestTp / (bestTp + bestFp + positives);
        double precision = bestTp + bestFp == 0 ? 0 : (double)bestTp / (bestTp + bestFp);
        return new F1Threshold(bestThreshold, f1, precision, (double)bestTp / positives);
    }
}
