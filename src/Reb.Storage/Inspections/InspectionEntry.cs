namespace Reb.Storage.Inspections;

/// <summary>What a reviewer said about a verdict: nothing yet, the verdict was right, or it was wrong.</summary>
public enum ReviewState { None = 0, Confirmed = 1, Overturned = 2 }

/// <summary>
/// One inspection as the history keeps it: the answer the plant got (score, verdict, threshold, version, latency),
/// where
/// its image went (<see cref="ImageKey"/>/<see cref="OverlayKey"/> in the artefact store, null when not sampled or
/// removed by retention) and what a reviewer said of it.
/// </summary>
public sealed record InspectionEntry(
    string Id, string Site, string Line, string Version, double Score, bool Reject, double Threshold, double LatencyMs,
    DateTimeOffset TimeUtc, string? ImageName = null, string? ImageKey = null, string? OverlayKey = null,
    ReviewState Review = ReviewState.None, string? Reviewer = null, DateTimeOffset? ReviewedUtc = null,
    string? Note = null,
    string? BankVersion = null)
{
    /// <summary>
    /// The part's true state once reviewed: a confirmed reject or an overturned accept is a defect, a confirmed accept
    /// or an overturned reject is a good part; null while unreviewed.
    /// </summary>
    public bool? IsDefect => Review switch
    {
        ReviewState.Confirmed => Reject,
        ReviewState.Overturned => !Reject,
        _ => null,
    };
}
