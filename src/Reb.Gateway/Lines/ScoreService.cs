using Reb.Core.Calibration;
using Reb.Gateway.Errors;
using Reb.Storage.Inspections;

namespace Reb.Gateway.Lines;

/// <summary>
/// The score plots and the drift test, read from the inspection history: a version's recent scores binned with its
/// calibration evidence, score quantiles and reject rate over time, and the good-part tail compared with calibration.
/// </summary>
public sealed class ScoreService(LineService lines, IInspectionHistory history)
{
    /// <summary>Most history rows one plot reads (newest first); the answer says when it was cut.</summary>
    public const int MaxRows = 10_000;

    /// <summary>Recent good-verdict parts the drift test looks at.</summary>
    public const int DriftWindow = 200;

    public async Task<ScoreHistogram> HistogramAsync(LineContext l, string? version, int take, int bins,
        CancellationToken ct)
    {
        version ??= l.Status.Current;
        if (version is not null && !l.Status.Versions.Any(v => v.Version == version))
            throw GatewayProblem.NotFound($"version '{version}' is not registered on line '{l.Line}'");
        var model = version is null ? null : await lines.ModelAsync(version, ct);
        double? threshold = version == l.Status.Current ? LineService.EffectiveThreshold(l.Settings, model)
            : model?.Threshold;
        var rows = version is null ? []
            : (await history.QueryAsync(new InspectionQuery(l.Settings.EffectiveSite, l.Line, Limit: take), ct))
            .Where(e => e.Version == version).ToList();
        var outOfFold = (model?.GoodScores ?? []).Select(s => (double)s).ToList();
        var synthetic = (model?.Calibration?.SyntheticKinds ?? []).SelectMany(k => k.Scores).Select(s => (double)s)
            .ToList();
        var edges = ScoreBinning.Edges(rows.Select(e => e.Score).Concat(outOfFold).Concat(synthetic),
            threshold is { } t && double.IsFinite(t) ? t : null, bins);
        // Reviewed parts are shown by what the reviewer said they are; the rest by the verdict they got.
        int[] Of(Func<InspectionEntry, bool> keep) => ScoreBinning.Count(rows.Where(keep).Select(e => e.Score), edges);
        return new ScoreHistogram(l.Line, version, threshold, edges,
            Of(e => e.IsDefect is null && !e.Reject), Of(e => e.IsDefect is null && e.Reject),
            Of(e => e.IsDefect == false), Of(e => e.IsDefect == true),
            ScoreBinning.Count(outOfFold, edges), ScoreBinning.Count(synthetic, edges), rows.Count, rows.Count >= take);
    }

    public async Task<ScoreTimeline> TimelineAsync(LineContext l, DateTimeOffset from, DateTimeOffset to, int buckets,
        CancellationToken ct)
    {
        if (from >= to)
            throw GatewayProblem.BadRequest($"empty time range: 'from' ({from:O}) must be before 'to' ({to:O})");
        if (buckets is < 1 or > 1000) throw GatewayProblem.BadRequest($"buckets must be 1..1000, got {buckets}");
        var rows = await history.QueryAsync(new InspectionQuery(l.Settings.EffectiveSite, l.Line, from, to,
            Limit: MaxRows), ct);
        // Whole seconds per bucket, at least one: the buckets tile [from, to) exactly enough for a plot.
        int seconds = Math.Max(1, (int)Math.Ceiling((to - from).TotalSeconds / buckets));
        int count = (int)Math.Ceiling((to - from).TotalSeconds / seconds);
        var groups = rows.GroupBy(e => Math.Clamp((int)((e.TimeUtc - from).TotalSeconds / seconds), 0, count - 1))
            .ToDictionary(g => g.Key, g => g.ToList());
        var result = new List<ScoreBucket>(count);
        for (int b = 0; b < count; b++)
        {
            var start = from.AddSeconds((double)b * seconds);
            if (!groups.TryGetValue(b,
                out var g)) { result.Add(new ScoreBucket(start, 0, 0, null, null, null, null, null)); continue; }
            var sorted = g.Select(e => e.Score).Order().ToList();
            int rejects = g.Count(e => e.Reject);
            result.Add(new ScoreBucket(start, g.Count, rejects, (double)rejects / g.Count,
                ScoreBinning.Quantile(sorted, 0.5),
                ScoreBinning.Quantile(sorted, 0.9), ScoreBinning.Quantile(sorted, 0.99), sorted[^1]));
        }
        return new ScoreTimeline(l.Line, from, to, seconds, result, rows.Count, rows.Count >= MaxRows);
    }

    /// <summary>Time of the oldest inspection in [from, to), floored to the minute; null when there is none.</summary>
    public async Task<DateTimeOffset?> FirstInspectionAsync(LineContext l, DateTimeOffset from, DateTimeOffset to,
        CancellationToken ct)
    {
        var rows = await history.QueryAsync(new InspectionQuery(l.Settings.EffectiveSite, l.Line, from, to,
            Limit: MaxRows), ct);
        if (rows.Count == 0) return null;
        var first = rows.Min(e => e.TimeUtc);
        return new DateTimeOffset(first.Ticks - first.Ticks % TimeSpan.TicksPerMinute, first.Offset);
    }

    /// <summary>The current version's out-of-fold good-score tail against its recent good-verdict parts.</summary>
    public async Task<DriftView> DriftAsync(LineContext l, CancellationToken ct)
    {
        if (l.Status.Current is not { } version)
            return new DriftView(l.Line, null, null, false, null, null, null, 0, 0, null, null, null, false,
                "no model version yet");
        var model = await lines.ModelAsync(version, ct);
        var threshold = LineService.EffectiveThreshold(l.Settings, model) ?? model.Threshold;
        var accepted = await history.QueryAsync(new InspectionQuery(l.Settings.EffectiveSite, l.Line,
            Verdict: VerdictFilter.Accept,
            Limit: DriftWindow * 4), ct);
        // Parts of this version that pass at the threshold in use (an older, higher override let others through).
        var recent = accepted.Where(e => e.Version == version && e.Score < threshold).Take(DriftWindow)
            .Select(e => e.Score).ToList();
        var r = ScoreDrift.Test(model.GoodScores, threshold, recent);
        if (r is null)
            return new DriftView(l.Line, version, threshold, false, null, null, null, recent.Count, 0, null, null, null,
                false,
                "not testable: the version has no out-of-fold good scores below its threshold");
        var summary = r.Drifting
            ? $"good-part scores have drifted up: {r.Above} of the last {r.Recent} passing parts scored at or above " +
            "the calibration's " +
              $"{r.Quantile:P0} good score {r.ReferenceScore:G4} ({r.ObservedShare:P1}; calibration predicts " +
              $"{r.ExpectedShare:P1}; p = {r.PValue:G2})"
            : $"no drift: {r.Above} of the last {r.Recent} passing parts at or above the calibration's " +
            $"{r.Quantile:P0} good score " +
              $"(calibration predicts {r.ExpectedShare:P1}; p = {r.PValue:G2})";
        return new DriftView(l.Line, version, threshold, true, r.Quantile, r.ReferenceScore, r.ExpectedShare, r.Recent,
            r.Above,
            r.ObservedShare, r.PValue, r.Alpha, r.Drifting, summary);
    }
}
