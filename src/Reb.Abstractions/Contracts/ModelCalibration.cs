namespace Reb.Abstractions.Contracts;

/// <summary>
/// A version's calibration record as people need it: the rule, the predicted false-reject rate with its interval from
/// the out-of-fold good scores, and the SYNTHETIC escape estimate (DefectMaker's kinds painted on out-of-fold images)
/// with every score, so a threshold slider can predict both rates at any threshold before any part is reviewed.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ModelCalibration([property: Id(0)] string Rule, [property: Id(1)] string RuleKind,
    [property: Id(2)] double TargetFalseRejectRate, [property: Id(3)] double Confidence,
    [property: Id(4)] bool Certified,
    [property: Id(5)] int Folds, [property: Id(6)] double PredictedFalseRejectRate,
    [property: Id(7)] double PredictedLower,
    [property: Id(8)] double PredictedUpper, [property: Id(9)] double IntervalCoverage,
    [property: Id(10)] float[] OutOfFoldScores)
{
    /// <summary>Synthetic escape rate at the calibrated threshold; null when the version measured none.</summary>
    [Id(11)] public double? PredictedEscapeRate { get; init; }
    [Id(12)] public double? PredictedEscapeLower { get; init; }
    [Id(13)] public double? PredictedEscapeUpper { get; init; }
    /// <summary>Per DefectMaker kind, in kind order; empty when the version measured none.</summary>
    [Id(14)] public IReadOnlyList<SyntheticKindScores> SyntheticKinds { get; init; } = [];
    /// <summary>How the synthetic defects were made and scored.</summary>
    [Id(15)] public string? SyntheticMethod { get; init; }
}

/// <summary>One DefectMaker kind at the calibrated threshold: painted, detected, and every painted image's
/// score.</summary>
[GenerateSerializer, Immutable]
public sealed record SyntheticKindScores([property: Id(0)] string Kind, [property: Id(1)] int Count,
    [property: Id(2)] int Detected,
    [property: Id(3)] double DetectionRate, [property: Id(4)] float[] Scores);
