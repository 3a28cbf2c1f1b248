using Reb.Abstractions.Contracts;
using Reb.Core.Calibration;

namespace Reb.Grains.Operations;

/// <summary>The manifest's calibration record carried to the gateway as a contract.</summary>
public static class ModelCalibrations
{
    public static ModelCalibration From(CalibrationRecord c) =>
        new(c.Rule, c.RuleKind, c.TargetFalseRejectRate, c.Confidence, c.Certified, c.Folds, c.PredictedFalseRejectRate,
            c.PredictedLower, c.PredictedUpper, c.IntervalCoverage, c.OutOfFoldScores ?? [])
        {
            PredictedEscapeRate = c.PredictedEscapeRate ?? c.Synthetic?.PredictedEscapeRate,
            PredictedEscapeLower = c.PredictedEscapeLower, PredictedEscapeUpper = c.PredictedEscapeUpper,
            SyntheticKinds = c.Synthetic is null ? [] :
                c.Synthetic.PerKind.Select(k => new SyntheticKindScores(k.Key, k.Value.Count, k.Value.Detected,
                    k.Value.DetectionRate,
                    k.Value.Scores)).ToList(),
            SyntheticMethod = c.Synthetic?.Method,
        };
}
