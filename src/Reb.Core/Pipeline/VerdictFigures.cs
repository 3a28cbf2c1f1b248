using Reb.Core.Review;
using Reb.Core.Calibration;
using Reb.Core.Models;
using Reb.Core.Metrics;
using Reb.Core.Pipeline;

namespace Reb.Core.Pipeline;

/// <summary>An interval of a predicted rate and its coverage.</summary>
public sealed record RateInterval(double Lower, double Upper, double Coverage);

/// <summary>The legacy threshold rule evaluated on the same model and test scores.</summary>
public sealed record LegacyRuleFigures(double Threshold, double FalseRejectRate, double EscapeRate,
    int CalibrationImages, string Method, float[] LeaveOneOutScores);

/// <summary>`reb eval`'s issue-14 figures: predictions from the model's calibration record, and the legacy rule next to
/// them.</summary>
public static class VerdictFigures
{
    /// <summary>The report with the predicted rates of <paramref name="model"/>'s calibration record filled
    /// in.</summary>
    public static EvaluationReport WithPredictions(EvaluationReport report, InspectionModel model)
    {
        if (model.Threshold.Calibration is not { } c) return report;
        return report with
        {
            TargetFalseRejectRate = c.TargetFalseRejectRate,
            PredictedFalseRejectRate = c.PredictedFalseRejectRate,
            PredictedFalseRejectInterval = new RateInterval(c.PredictedLower, c.PredictedUpper, c.IntervalCoverage),
            PredictedEscapeRate = c.Synthetic?.PredictedEscapeRate,
            PredictedEscapeByKind = c.Synthetic?.PerKind.ToDictionary(k => k.Key, k => 1 - k.Value.DetectionRate),
            CalibrationRule = c.Rule,
            CalibrationCertified = c.Certified,
            ThresholdRuleKind = c.RuleKind,
            PredictedEscapeInterval = c.PredictedEscapeLower is { } lo
            && c.PredictedEscapeUpper is { } hi ? new RateInterval(lo, hi, 0.9) : null,
            CalibrationWarning = c.Warning,
            FoldGrouping = c.Grouping,
            Warnings = c.Warning is { } w ? [.. report.Warnings, w] : report.Warnings,
        };
    }

    /// <summary>The legacy rule's threshold on this model (needs the bank, i.e. a fit without coreset) and its measured
    /// rates.</summary>
    public static LegacyRuleFigures? Legacy(InspectionModel model, int trainImages, float[] scores, bool[] labels)
    {
        if (model.Options.Ldknn.CoresetRatio < 1.0 || trainImages < 2) return null;
        var legacyOptions = model.Options with { Calibration = null };
        var info =
            ModelFitter.Calibrate(model.Index.CoreFeatures, model.Index, model.LayoutOf(trainImages), legacyOptions);
        var rates = ThresholdCalibration.RateAt(info.Value, scores, labels);
        return new LegacyRuleFigures(info.Value, rates.FalseRejectRate, rates.EscapeRate, info.GoodScores.Length,
            info.Method +
            $", Q{legacyOptions.ThresholdQuantile} + {legacyOptions.ThresholdMargin} x (Q - median)", info.GoodScores);
    }
}

/// <summary>What `reb eval` adds beyond the predictions: the review loop and the fold-rule measurement.</summary>
public sealed record VerdictEvalOptions
{
    /// <summary>Run <see cref="ReviewHalf"/> (needs target calibration and no coreset).</summary>
    public bool ReviewHalf { get; init; }
    public int ReviewSeed { get; init; }
    /// <summary>Run <see cref="FoldStudy"/> on the training images (costs one scoring pass per block width).</summary>
    public bool FoldStudy { get; init; }
    // plus the fold rule itself; each width costs one scoring pass
    public IReadOnlyList<int> StudyBlockWidths { get; init; } = [1];

    /// <summary>Everything the verdict figures add to metrics.json, in one call from the evaluator.</summary>
    public EvaluationReport Apply(EvaluationReport report, InspectionModel model, int trainImages,
        IReadOnlyList<(string Path, float Score, bool Defective)> scored, IProgress<StageProgress>? progress)
    {
        var scores = scored.Select(s => s.Score).ToArray();
        var labels = scored.Select(s => s.Defective).ToArray();
        report = VerdictFigures.WithPredictions(report,
            model) with { LegacyRule = VerdictFigures.Legacy(model, trainImages, scores, labels) };
        if (FoldStudy && model.Options.Ldknn.CoresetRatio >= 1.0 && trainImages >= 3)
            report = report with
            {
                CalibrationStudy =
                    Calibration.FoldStudy.Run(model.Index.CoreFeatures, model.Index, model.LayoutOf(trainImages),
                    StudyBlockWidths, model.Options.Calibration?.Folds ?? 10, progress,
                    model.Threshold.Calibration?.OutOfFoldScores),
            };
        if (ReviewHalf)
            report = report with
            {
                ReviewFalseRejectRate = Review.ReviewHalf.Run(model,
                    scored.Where(s => !s.Defective).Select(s => (s.Path, s.Score)).ToList(),
                    trainImages, ReviewSeed, progress,
                    scored.Where(s => s.Defective).Select(s => (s.Path, s.Score)).ToList()),
            };
        return WithPredictionChecks(report);
    }

    /// <summary>The predicted rates held against the rates measured on the labelled test images.</summary>
    public static EvaluationReport WithPredictionChecks(EvaluationReport report)
    {
        var checks = Calibration.PredictionCheck.Both(
            report.PredictedFalseRejectRate, report.PredictedFalseRejectInterval?.Upper,
            (int)Math.Round(report.FalseRejectRate * report.TestGood), report.TestGood,
            report.PredictedEscapeRate, report.PredictedEscapeInterval?.Upper,
            (int)Math.Round(report.EscapeRate * report.TestDefective), report.TestDefective);
        return report with
        {
            PredictionChecks = checks,
            Warnings = [.. report.Warnings, .. checks.Where(c => c.Flagged).Select(c => c.Text)],
        };
    }
}
