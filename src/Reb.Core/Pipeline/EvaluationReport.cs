using Reb.Core.Review;
using Reb.Core.Imaging;
using Reb.Core.Metrics;

namespace Reb.Core.Pipeline;

/// <summary>metrics.json of `reb eval`: accuracy at the calibrated threshold and at the labels' F1-optimal one, sizes
/// and timings.</summary>
public sealed record EvaluationReport
{
    public required string Category { get; init; }
    public required string Layout { get; init; }
    public double ImageAuroc { get; init; }
    public double? PixelAuroc { get; init; }
    public double? Aupro { get; init; }
    public int TrainImages { get; init; }
    public int TestImages { get; init; }
    public int TestGood { get; init; }
    public int TestDefective { get; init; }
    public long BankSize { get; init; }
    public long CoreSize { get; init; }
    public required StageSeconds Seconds { get; init; }
    /// <summary>Test images scored per second (decode + backbone + search + maps).</summary>
    public double ImagesPerSecond { get; init; }
    /// <summary>Peak resident memory of the process over the whole evaluation (fit, calibration, scoring), in
    /// MB.</summary>
    public double PeakMemoryMb { get; init; }
    /// <summary>The model's threshold, calibrated on good training images only.</summary>
    public double Threshold { get; init; }
    public double FalseRejectRate { get; init; }
    public double EscapeRate { get; init; }
    /// <summary>What the test labels would choose: shown next to the calibrated threshold, never used by the
    /// model.</summary>
    public F1Threshold F1Optimal { get; init; }
    public RejectRates AtF1Optimal { get; init; }
    public IReadOnlyDictionary<string, double> ImageAurocByDefect { get; init; } = new Dictionary<string, double>();
    public required SettingsUsed Settings { get; init; }
    public string ModelVersion { get; init; } = "";
    /// <summary>The adaptation run before fitting (kept or not, see <see cref="AdaptationGuard"/>); null = none was
    /// run.</summary>
    public AdaptationSummary? Adaptation { get; init; }
    /// <summary>Whether the adapted backbone replaced ImageNet's, and the synthetic-defect figures behind the
    /// decision.</summary>
    public Adaptation.AdaptationGuardVerdict? AdaptationGuard { get; init; }
    /// <summary>The backbone the model was fitted with: "imagenet" or "adapted".</summary>
    public string BackboneUsed { get; init; } = "imagenet";
    // Verdict figures next to the measured rates (null when the legacy threshold rule was used).
    public double? TargetFalseRejectRate { get; init; }
    public double? PredictedFalseRejectRate { get; init; }
    public RateInterval? PredictedFalseRejectInterval { get; init; }
    /// <summary>SYNTHETIC: DefectMaker defects on out-of-fold training images, not real defects.</summary>
    public double? PredictedEscapeRate { get; init; }
    public IReadOnlyDictionary<string, double>? PredictedEscapeByKind { get; init; }
    public string? CalibrationRule { get; init; }
    public bool? CalibrationCertified { get; init; }
    /// <summary>"target" or "cost" (young lines: both errors weighed), the escape interval, and the line's
    /// warning.</summary>
    public string? ThresholdRuleKind { get; init; }
    public RateInterval? PredictedEscapeInterval { get; init; }
    public string? CalibrationWarning { get; init; }
    public Calibration.FoldGroupingRecord? FoldGrouping { get; init; }
    /// <summary>Each predicted rate held against the measured one; a flagged check is also in
    /// <see cref="Warnings"/>.</summary>
    public IReadOnlyList<Calibration.PredictionCheck> PredictionChecks { get; init; } = [];
    /// <summary>The legacy rule (Q0.99 of 16 leave-one-out scores + 10 % margin) on the same model, for
    /// comparison.</summary>
    public LegacyRuleFigures? LegacyRule { get; init; }
    public ReviewFigures? ReviewFalseRejectRate { get; init; }
    public Calibration.FoldStudyResult? CalibrationStudy { get; init; }
    public IReadOnlyList<SkippedImage> Skipped { get; init; } = [];
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

public sealed record StageSeconds(double Embed, double Fit, double Calibrate, double Score, double Metrics,
    double Total);

public sealed record SettingsUsed(int ImageSize, int K, double Lambda, double CoresetRatio, int? Shots, int Seed,
    string Backbone, int Threads, string Search)
{
    /// <summary>"square" (ImageSize x ImageSize) or "aspect" (short side ImageSize, long side to a multiple of
    /// 32).</summary>
    public string Resize { get; init; } = "square";
}

/// <summary>The adaptation settings and cost, as metrics.json reports them (the full record with loss curve is in the
/// model).</summary>
public sealed record AdaptationSummary(string Budget, int Seed, int Steps, double Seconds, double FirstLoss,
    double LastLoss, double LastAccuracy)
{
    public static AdaptationSummary From(Adaptation.AdaptationRecord r) =>
        new(r.Budget, r.Seed, r.LossCurve.Count, r.Seconds, r.LossCurve.FirstOrDefault(), r.LossCurve.LastOrDefault(),
            r.AccuracyCurve.LastOrDefault());
}
