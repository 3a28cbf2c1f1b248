namespace Reb.Core.Metrics;

/// <summary>Exact area under the ROC curve (image-level AUROC).</summary>
public static class Auroc
{
    /// <summary>
    /// Exact ROC AUC of <paramref name="scores"/> against <paramref name="labels"/> (true = defect = positive).
    /// Tied scores between a positive and a negative count 1/2, identical to sklearn's roc_auc_score.
    /// </summary>
    /// <exception cref="ArgumentException">Lengths differ or a score is NaN.</exception>
    /// <exception cref="InvalidOperationException">Only one class is present (AUROC undefined).</exception>
    public static double Compute(ReadOnlySpan<float> scores, ReadOnlySpan<bool> labels)
    {
        if (scores.Length != labels.Length)
            throw new ArgumentException($"scores has {scores.Length} values but labels has {labels.Length}; they " +
                "must match one to one", nameof(labels));
        int at = IndexOfNaN(scores);
        if (at >= 0) throw new ArgumentException($"scores[{at}] is NaN; scores must be numbers", nameof(scores));
        var set = new PixelAuroc();
        set.Add(scores, labels);
        return set.Compute();
    }

    internal static void RequireBothClasses(long negatives, long positives, string what)
    {
        if (negatives == 0 || positives == 0)
            throw new InvalidOperationException(
                $"AUROC is undefined: the {positives + negatives} {what} contain {positives} defective (positive) " +
                $"and {negatives} normal (negative); " +
                "both classes must be present");
    }

    internal static int IndexOfNaN(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
            if (float.IsNaN(values[i])) return i;
        return -1;
    }
}
