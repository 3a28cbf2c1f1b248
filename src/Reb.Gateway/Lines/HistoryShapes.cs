using Reb.Storage.Inspections;

namespace Reb.Gateway.Lines;

// JSON shapes of the inspection history, the review loop and the version comparison (camelCase on the wire).

/// <summary>One history row as the API shows it; <see cref="ImageUrl"/> is null when the image was not kept.</summary>
public sealed record HistoryInspection(string Id, string Line, string Site, string? Name, string Version, double Score,
    string Verdict,
    double Threshold, double LatencyMs, DateTimeOffset TimestampUtc, string Review, string? Reviewer,
    DateTimeOffset? ReviewedUtc,
    string? Note, string? BankVersion, string? ImageUrl, string OverlayUrl, string ThumbnailUrl)
{
    public static HistoryInspection From(InspectionEntry e)
    {
        var basePath = $"/api/lines/{Uri.EscapeDataString(e.Line)}/inspections/{e.Id}";
        return new(e.Id, e.Line, e.Site, e.ImageName, e.Version, e.Score, e.Reject ? "reject" : "good", e.Threshold,
            e.LatencyMs, e.TimeUtc,
            InspectionCsv.ReviewName(e.Review), e.Reviewer, e.ReviewedUtc, e.Note, e.BankVersion,
            e.ImageKey is null ? null : basePath + "/image",
            basePath + "/overlay.png", basePath + "/overlay.png?size=thumb");
    }
}

/// <param name="Decision">"confirm" (the verdict was right) or "overturn" (it was wrong).</param>
public sealed record ReviewRequest(string? Decision, string? Note);

public sealed record RetentionView(int Days, int MaxStoredImages, bool IsDefault);

public sealed record RetentionRequest(int? Days, int? MaxStoredImages);

/// <summary>Inspections (reviewed good parts: overturned rejects) whose images go into the line's bank.</summary>
public sealed record BankAddRequest(IReadOnlyList<string>? Inspections);

public sealed record BankAddResult(string Line, string BaseVersion, string Version, int Added, double ThresholdBefore,
    double ThresholdAfter,
    long BankRowsBefore, long BankRowsAfter, bool Promoted, string Note)
{
    /// <summary>The recalibrated version's warning (null once the line no longer needs more images or reviewed
    /// parts).</summary>
    public string? Warning { get; init; }
}

/// <summary>Rates of one version on the line's reviewed inspections that still have their image.</summary>
public sealed record VersionRates(string Version, double Threshold, int GoodParts, int Defects, int FalseRejects,
    int Escapes,
    double? FalseRejectRate, double? EscapeRate);

public sealed record ComparedImage(string Id, bool Defect, double CurrentScore, bool CurrentReject,
    double CandidateScore, bool CandidateReject);

public sealed record VersionComparison(string Line, VersionRates Current, VersionRates Candidate,
    IReadOnlyList<ComparedImage> Images, string Note);

/// <summary>What the reviews say about the current version: measured rates on reviewed parts and a suggested
/// threshold.</summary>
public sealed record ReviewSummary(string Line, string? Version, int Reviewed, int GoodParts, int Defects,
    int Unreviewed,
    double? MeasuredFalseRejectRate, double? MeasuredEscapeRate, double? Threshold, double? SuggestedThreshold,
    string Note);
