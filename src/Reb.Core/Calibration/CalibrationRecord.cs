namespace Reb.Core.Calibration;

/// <summary>
/// How a line's reject threshold was set for a target false-reject rate, kept in the model (model.json) so that the
/// dashboard and a reviewer can see the rule, the evidence (every out-of-fold good score) and what it predicts.
/// </summary>
/// <param name="Rule">Plain-words statement of the rule that produced the threshold.</param>
/// <param name="Certified">True when the threshold is an order statistic that bounds the (1 - target) quantile at
/// <paramref name="Confidence"/>; false when n is too small for that and the extrapolated tail rule was used.</param>
/// <param name="OrderStatistic">j of X_(j) (1-based, ascending) when certified.</param>
/// <param name="FoldRule">How the training images were split for out-of-fold scoring.</param>
/// <param name="PredictedFalseRejectRate">Point estimate of the false-reject rate on unseen good parts.</param>
/// <param name="PredictedLower">Lower end of the interval (coverage <paramref name="IntervalCoverage"/>).</param>
/// <param name="PredictedUpper">Upper end of the interval.</param>
/// <param name="DistributionFreeUpperAtMax">1 - (1 - confidence)^(1/n): the best false-reject bound any threshold at or
/// above the maximum score can claim with n scores and no assumption about the score distribution.</param>
/// <param name="OutOfFoldScores">Image scores of the training images, each scored with its whole fold out of the
/// bank.</param>
public sealed record CalibrationRecord(
    string Rule,
    double Threshold,
    double TargetFalseRejectRate,
    double Confidence,
    bool Certified,
    int? OrderStatistic,
    string FoldRule,
    int Folds,
    double PredictedFalseRejectRate,
    double PredictedLower,
    double PredictedUpper,
    double IntervalCoverage,
    double DistributionFreeUpperAtMax,
    float[] OutOfFoldScores)
{
    /// <summary>DefectMaker defects on out-of-fold images scored by the line's model; null when not measured.</summary>
    public SyntheticEscapeEstimate? Synthetic { get; init; }

    /// <summary>"target" (order statistic or extrapolated tail for the target rate) or "cost" (both errors
    /// weighed).</summary>
    public string RuleKind { get; init; } = ThresholdRule.Target;

    /// <summary>False rejects one escape is worth in the cost rule; null on records made before the rule
    /// existed.</summary>
    public double? EscapeCost { get; init; }

    /// <summary>The cost rule's cap on the predicted false-reject rate; null on records made before the cap
    /// existed.</summary>
    public double? MaxFalseRejectRate { get; init; }

    /// <summary>Synthetic escape rate at the threshold and its two-sided 90 % Clopper-Pearson interval.</summary>
    public double? PredictedEscapeRate { get; init; }
    public double? PredictedEscapeLower { get; init; }
    public double? PredictedEscapeUpper { get; init; }

    /// <summary>The escape limit the warning was judged against.</summary>
    public double? MaxPredictedEscape { get; init; }

    /// <summary>What the line says while it is too young to trust ("this line needs more good images..."); null =
    /// none.</summary>
    public string? Warning { get; init; }

    /// <summary>How the folds were formed (grouped near-duplicates); null for records made with contiguous folds
    /// only.</summary>
    public FoldGroupingRecord? Grouping { get; init; }
}

/// <summary>
/// Escape rate predicted without any labelled defect: DefectMaker's six kinds painted on held-out good images. It is a
/// SYNTHETIC estimate (real defects may be subtler or coarser); the dashboard must label it so.
/// </summary>
public sealed record SyntheticEscapeEstimate(double PredictedEscapeRate,
    IReadOnlyDictionary<string, KindDetection> PerKind,
    int SourceImages, int Seed, string Method);

/// <summary>One DefectMaker kind at the threshold: how many were painted, how many scored at or above the threshold,
/// and their scores.</summary>
public sealed record KindDetection(int Count, int Detected, double DetectionRate, float[] Scores);
