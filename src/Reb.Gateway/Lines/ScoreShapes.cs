namespace Reb.Gateway.Lines;

// JSON shapes of the score plots and the drift test (camelCase on the wire).

/// <summary>
/// Histogram of one version's recent scores on shared bin edges: unreviewed parts by verdict, reviewed parts by their
/// true state, and the calibration's evidence (out-of-fold good scores, synthetic defect scores).
/// </summary>
public sealed record ScoreHistogram(string Line, string? Version, double? Threshold, double[] Edges, int[] Good,
    int[] Reject,
    int[] ReviewedGood, int[] ConfirmedDefect, int[] OutOfFold, int[] SyntheticDefect, int Inspections, bool Truncated);

/// <summary>Score quantiles and reject rate per time bucket; a bucket without inspections has nulls.</summary>
public sealed record ScoreTimeline(string Line, DateTimeOffset From, DateTimeOffset To, int BucketSeconds,
    IReadOnlyList<ScoreBucket> Buckets,
    int Inspections, bool Truncated);

public sealed record ScoreBucket(DateTimeOffset StartUtc, int Inspections, int Rejects, double? RejectRate, double? P50,
    double? P90,
    double? P99, double? Max);

/// <summary>The drift test of the line's current version on its recent good-verdict parts; <see cref="Testable"/>
/// false (and the figures null) when the version has no out-of-fold scores below its threshold.</summary>
public sealed record DriftView(string Line, string? Version, double? Threshold, bool Testable, double? Quantile,
    double? ReferenceScore,
    double? ExpectedShare, int Recent, int Above, double? ObservedShare, double? PValue, double? Alpha, bool Drifting,
    string Summary);
