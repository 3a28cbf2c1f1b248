using Reb.Abstractions.Contracts;

namespace Reb.Gateway.Lines;

// JSON shapes of the HTTP contract (notes: gateway-api.md). camelCase on the wire.

public sealed record LineSummary(string Line, string Site, string? CurrentVersion, double? Threshold, long Inspections,
    long Rejects,
    double RejectRate, double ThroughputPerMin, DateTimeOffset? LastInspectionUtc)
{
    /// <summary>The newest inspections, newest first, when the listing was asked for them (<c>?recent=N</c>): the
    /// overview then costs one request per refresh instead of one per line, which kept a site with many lines inside
    /// its key's rate limit.</summary>
    public IReadOnlyList<HistoryInspection>? Recent { get; init; }
}

public sealed record VersionMetrics(double GoodMedian, double Threshold, int Images, int ImageSize, string Category)
{
    /// <summary>"target" or "cost" (young line: both errors weighed); null for the legacy rule.</summary>
    public string? ThresholdRule { get; init; }
    public double? PredictedFalseRejectRate { get; init; }
    /// <summary>SYNTHETIC: DefectMaker defects on out-of-fold training images.</summary>
    public double? PredictedEscapeRate { get; init; }
    /// <summary>"this line needs more good images or reviewed parts: ..." while the version is too young to
    /// trust.</summary>
    public string? Warning { get; init; }
    /// <summary>The predicted false-reject rate's interval (coverage <see cref="IntervalCoverage"/>).</summary>
    public double? PredictedFalseRejectLower { get; init; }
    public double? PredictedFalseRejectUpper { get; init; }
    public double? IntervalCoverage { get; init; }
    /// <summary>SYNTHETIC escape rate per DefectMaker kind at the calibrated threshold.</summary>
    public IReadOnlyDictionary<string, double>? PredictedEscapeRateByKind { get; init; }

    public static VersionMetrics From(ModelVersionInfo m)
        => new(m.GoodMedian, m.Threshold, m.TrainingImages, m.ImageSize, m.Category)
    {
        ThresholdRule = m.ThresholdRule, PredictedFalseRejectRate = m.PredictedFalseRejectRate,
        PredictedEscapeRate = m.PredictedEscapeRate, Warning = m.CalibrationWarning,
        PredictedFalseRejectLower = m.Calibration?.PredictedLower,
        PredictedFalseRejectUpper = m.Calibration?.PredictedUpper,
        IntervalCoverage = m.Calibration?.IntervalCoverage,
        PredictedEscapeRateByKind = m.Calibration is { SyntheticKinds.Count: > 0 } c
            ? c.SyntheticKinds.ToDictionary(k => k.Kind, k => 1 - k.DetectionRate) : null,
    };
}

/// <summary>A version's calibration record: the rule, the predicted rates with their intervals, and the evidence (every
/// out-of-fold good score, every synthetic defect score per kind).</summary>
public sealed record CalibrationRecordView(string Line, string Version, double Threshold, string Rule, string RuleKind,
    double TargetFalseRejectRate, double Confidence, bool Certified, int Folds, double PredictedFalseRejectRate,
    double PredictedFalseRejectLower, double PredictedFalseRejectUpper, double IntervalCoverage,
    double? PredictedEscapeRate,
    double? PredictedEscapeLower, double? PredictedEscapeUpper, IReadOnlyList<SyntheticKindView> PredictedEscapeByKind,
    string? SyntheticMethod, float[] OutOfFoldScores, string? Warning)
{
    public static CalibrationRecordView From(string line, ModelVersionInfo m, ModelCalibration c) =>
        new(line, m.Version, m.Threshold, c.Rule, c.RuleKind, c.TargetFalseRejectRate, c.Confidence, c.Certified,
            c.Folds,
            c.PredictedFalseRejectRate, c.PredictedLower, c.PredictedUpper, c.IntervalCoverage, c.PredictedEscapeRate,
            c.PredictedEscapeLower, c.PredictedEscapeUpper, c.SyntheticKinds.Select(SyntheticKindView.From).ToList(),
            c.SyntheticMethod,
            c.OutOfFoldScores, m.CalibrationWarning);
}

/// <summary>One DefectMaker kind: <see cref="EscapeRate"/> is the share of its painted images scored below the
/// threshold.</summary>
public sealed record SyntheticKindView(string Kind, int Count, int Detected, double EscapeRate, float[] Scores)
{
    public static SyntheticKindView From(SyntheticKindScores k)
        => new(k.Kind, k.Count, k.Detected, 1 - k.DetectionRate, k.Scores);
}

public sealed record VersionInfo(string Version, DateTimeOffset RegisteredUtc, string Source, bool IsCurrent,
    VersionMetrics? Metrics);

public sealed record LineDetail(string Line, string Site, string? CurrentVersion, double? Threshold, long Inspections,
    long Rejects,
    double RejectRate, double ThroughputPerMin, DateTimeOffset? LastInspectionUtc,
    double? ModelThreshold, double? ThresholdOverride, int Shards, IReadOnlyList<VersionInfo> Versions,
    IReadOnlyList<string> Jobs,
    IReadOnlyList<string> Previous)
{
    /// <summary>The current version's rule, predicted rates and warning (the dashboard's banner shows it until it
    /// clears).</summary>
    public VersionMetrics? CurrentMetrics { get; init; }
    public string? Warning => CurrentMetrics?.Warning;
    /// <summary>"warm", "waking" or "cold" (<see cref="LineBankState"/>); null without a current version.</summary>
    public string? BankState { get; init; }
}

/// <param name="GoodScores">The out-of-fold good scores (held-out training scores for the legacy rule).</param>
/// <param name="DefectScores">Reviewed defects of this version (confirmed rejects, overturned accepts); null when none:
/// then the slider predicts the escape rate from <see cref="SyntheticKinds"/>.</param>
public sealed record Calibration(double? Threshold, double? ModelThreshold, double? GoodMedian, float[] GoodScores,
    float[]? DefectScores)
{
    /// <summary>SYNTHETIC defect scores per DefectMaker kind (empty when the version measured none).</summary>
    public IReadOnlyList<SyntheticKindView> SyntheticKinds { get; init; } = [];
    /// <summary>Coverage of the false-reject interval the slider shows (the calibration's; 0.9 for the legacy
    /// rule).</summary>
    public double IntervalCoverage { get; init; } = 0.9;
}

public sealed record Inspection(string Id, string Line, string Name, string Version, float Score, string Verdict,
    double Threshold,
    double LatencyMs, DateTimeOffset TimestampUtc, string OverlayUrl, string ThumbnailUrl)
{
    public static Inspection From(InspectionRecord r)
        => new(r.Id, r.Line, r.Name, r.Version, r.Score, r.Reject ? "reject" : "good",
        r.Threshold, r.LatencyMs, r.TimestampUtc,
        $"/api/lines/{Uri.EscapeDataString(r.Line)}/inspections/{r.Id}/overlay.png",
        $"/api/lines/{Uri.EscapeDataString(r.Line)}/inspections/{r.Id}/overlay.png?size=thumb");
}

public sealed record BatchItem(string Name, Inspection? Result, string? Error);

public sealed record PromoteRequest(string? Version);

public sealed record ThresholdRequest(double? Threshold);

/// <summary>Training from blobs already in the artefact store (every image under <see cref="Folder"/>).</summary>
/// <param name="Adapt">"none" or "defectmaker" (REB's backbone adaptation); <paramref name="Budget"/>
/// cpu|reference|smoke;
/// <paramref name="AdaptGuard"/> on|off|report; <paramref name="Seed"/> of the coreset and the adaptation; <paramref
/// name="AdaptRecipe"/>
/// Auto|reference|gentle|gentle-keep|layer3 (auto: layer3 at the cpu budget, reference at the reference budget);
/// <paramref name="Resize"/> square|aspect|auto.</param>
public sealed record TrainingFolderRequest(string? Folder, int? ImageSize, int? K, int? FitShards, double? CoresetRatio,
    bool? Promote, int? Shards,
    AdaptMode? Adapt = null, string? Budget = null, AdaptGuardMode? AdaptGuard = null, int? Seed = null,
    string? AdaptRecipe = null,
    ResizeRequest? Resize = null, SearchRequest? Search = null);

public sealed record TrainingStarted(string JobId, string Line, int Images);

public sealed record TrainingProgressView(string JobId, string Stage, double Percent, double? Loss, string? Version,
    string? Error, int Resumes)
{
    public static TrainingProgressView From(TrainingProgress p) =>
        new(p.JobId, p.Stage.ToString(), p.Percent, p.Loss, p.Version, p.Error, p.Resumes) { Warning = p.Warning };

    /// <summary>Once completed: the published version's calibration warning, if any.</summary>
    public string? Warning { get; init; }
}

public sealed record MeView(string KeyId, string Name, string Site, string Role);

/// <param name="Refused">true when the stored record fails its signature check (changed or forged in the state store,
/// or stored before signing): it authenticates nobody; revoke it.</param>
public sealed record KeyView(string Id, string Name, string Site, string Role, DateTimeOffset CreatedUtc,
    string CreatedBy, bool Refused = false);

public sealed record CreateKeyRequest(string? Name, string? Role);

public sealed record CreatedKey(string Id, string Key, string Name, string Site, string Role);

public sealed record Readiness(bool Cluster);

public sealed record StoreHealth(bool ArtefactStore);
