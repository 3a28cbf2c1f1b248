namespace Reb.Client;

// The HTTP API's JSON shapes, as the client reads and sends them (camelCase on the wire; unknown fields are ignored,
// so a newer gateway does not break an older client).

public sealed record Me(string KeyId, string Name, string Site, string Role);

public sealed record LineSummary(string Line, string Site, string? CurrentVersion, double? Threshold, long Inspections,
    long Rejects,
    double RejectRate, double ThroughputPerMin, DateTimeOffset? LastInspectionUtc);

public sealed record VersionMetrics(double GoodMedian, double Threshold, int Images, int ImageSize, string Category,
    string? ThresholdRule, double? PredictedFalseRejectRate, double? PredictedEscapeRate, string? Warning);

public sealed record VersionInfo(string Version, DateTimeOffset RegisteredUtc, string Source, bool IsCurrent,
    VersionMetrics? Metrics);

public sealed record LineDetail(string Line, string Site, string? CurrentVersion, double? Threshold, long Inspections,
    long Rejects,
    double RejectRate, double ThroughputPerMin, DateTimeOffset? LastInspectionUtc, double? ModelThreshold,
    double? ThresholdOverride,
    int Shards, IReadOnlyList<VersionInfo> Versions, IReadOnlyList<string> Jobs, IReadOnlyList<string> Previous,
    VersionMetrics? CurrentMetrics, string? Warning);

/// <summary>One inspection's answer: <see cref="Verdict"/> is "reject" when <see cref="Score"/> &gt;= <see
/// cref="Threshold"/>, else "good".</summary>
public sealed record Inspection(string Id, string Line, string Name, string Version, float Score, string Verdict,
    double Threshold,
    double LatencyMs, DateTimeOffset TimestampUtc, string OverlayUrl, string ThumbnailUrl)
{
    public bool IsReject => Verdict == "reject";
}

/// <summary>One image of a batch: its result, or why it could not be inspected.</summary>
public sealed record BatchItem(string Name, Inspection? Result, string? Error);

public sealed record BatchResult(IReadOnlyList<BatchItem> Results);

/// <summary>An image to send: its name (the plant's part or camera id) and bytes.</summary>
public sealed record ImageFile(string Name, byte[] Bytes)
{
    public static ImageFile FromPath(string path) => new(Path.GetFileName(path), File.ReadAllBytes(path));
}

/// <summary>Training settings; null fields take the gateway's defaults.</summary>
public sealed record TrainingSettings(int? ImageSize = null, int? K = null, int? FitShards = null,
    double? CoresetRatio = null,
    bool? Promote = null, int? Shards = null, string? Adapt = null, string? Budget = null, string? AdaptGuard = null,
    int? Seed = null,
    string? AdaptRecipe = null, string? Resize = null, string? Search = null);

public sealed record TrainingStarted(string JobId, string Line, int Images);

/// <summary>A training job's progress: <see cref="Stage"/> (Queued, Adapt, Embed, ..., Completed, Failed,
/// Cancelled), percent within it, and the published version once completed.</summary>
public sealed record TrainingProgress(string JobId, string Stage, double Percent, double? Loss, string? Version,
    string? Error, int Resumes,
    string? Warning)
{
    public bool IsFinished => Stage is "Completed" or "Failed" or "Cancelled";
}

/// <summary>One row of the inspection history; <see cref="Review"/> is "none", "confirmed" or "overturned".</summary>
public sealed record HistoryInspection(string Id, string Line, string Site, string? Name, string Version, double Score,
    string Verdict,
    double Threshold, double LatencyMs, DateTimeOffset TimestampUtc, string Review, string? Reviewer,
    DateTimeOffset? ReviewedUtc,
    string? Note, string? BankVersion, string? ImageUrl, string OverlayUrl, string ThumbnailUrl);

/// <summary>A history query: [From, To), verdict "reject"|"good", review "none"|"reviewed"|"confirmed"|"overturned",
/// at most Take rows, newest first.</summary>
public sealed record HistoryQuery(DateTimeOffset? From = null, DateTimeOffset? To = null, string? Verdict = null,
    string? Review = null,
    int? Take = null);

/// <summary>An operator's review of a verdict.</summary>
public enum ReviewDecision
{
    /// <summary>The verdict was right.</summary>
    Confirm,
    /// <summary>The verdict was wrong (a good part rejected, or a defect passed).</summary>
    Overturn,
}

public sealed record ReviewSummary(string Line, string? Version, int Reviewed, int GoodParts, int Defects,
    int Unreviewed,
    double? MeasuredFalseRejectRate, double? MeasuredEscapeRate, double? Threshold, double? SuggestedThreshold,
    string Note);
