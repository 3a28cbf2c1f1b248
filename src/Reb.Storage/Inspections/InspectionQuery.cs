namespace Reb.Storage.Inspections;

/// <summary>Which verdicts a query keeps.</summary>
public enum VerdictFilter { Any, Reject, Accept }

/// <summary>Which review states a query keeps ("reviewed" = confirmed or overturned).</summary>
public enum ReviewFilter { Any, None, Reviewed, Confirmed, Overturned }

/// <summary>
/// A history query: always one site and one line (a site never reads another's rows), an optional half-open time range
/// [From, To), verdict and review filters, newest first, at most <see cref="Limit"/> rows.
/// </summary>
public sealed record InspectionQuery(string Site, string Line, DateTimeOffset? From = null, DateTimeOffset? To = null,
    VerdictFilter Verdict = VerdictFilter.Any, ReviewFilter Review = ReviewFilter.Any, int Limit = 1000,
    bool WithImageOnly = false);
