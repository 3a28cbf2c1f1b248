using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace Reb.Cli.Commands.Load;

/// <summary>Latency percentiles in milliseconds (nearest-rank), over successful requests.</summary>
public sealed record LatencySummary(double P50, double P95, double P99, double Max, double Mean)
{
    public static LatencySummary Of(IReadOnlyList<double> ms)
    {
        if (ms.Count == 0) return new LatencySummary(0, 0, 0, 0, 0);
        var sorted = ms.Order().ToArray();
        return new LatencySummary(Rank(sorted, 0.50), Rank(sorted, 0.95), Rank(sorted, 0.99), sorted[^1],
            sorted.Average());
    }

    /// <summary>Nearest-rank percentile: the smallest value with at least q of the samples at or below it.</summary>
    public static double Rank(double[] sorted, double q)
        => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
}

/// <summary>What happened after the run's event (a silo killed midway).</summary>
/// <param name="LongestGapSeconds">Longest time without any successful answer, from the event to the end.</param>
public sealed record EventSummary(double AtSeconds, string Note, int OkBefore, int OkAfter, double ThroughputBefore,
    double ThroughputAfter, int FailedAfter, double LongestGapSeconds);

/// <summary>The single-process `reb score` rate on the same images and model version.</summary>
public sealed record BaselineSummary(string Version, int Images, double Seconds, double ImagesPerSecond,
    double GatewayRatio);

/// <summary>Result of one `reb load` run (also written as load.json).</summary>
public sealed record LoadReport(
    string Target, string Line, int Clients, double DurationLimitSeconds, int RequestLimit, double TimeoutSeconds,
    int Images,
    int Requests, int Ok, int Retryable, int HardErrors, int Hung, double ElapsedSeconds, double ThroughputPerSecond,
    LatencySummary Latency, IReadOnlyDictionary<string, int> ByStatus, EventSummary? Event, string? EventNote)
{
    public BaselineSummary? Baseline { get; init; }

    /// <summary>Attempts that got no HTTP answer from one endpoint and were resent to the next (see <see
    /// cref="LoadOutcome.FailedOver"/>).</summary>
    public int FailedOver { get; init; }

    /// <summary>
    /// Longest time any request took to get its HTTP answer, whatever the status (refusals included): the bound a
    /// client has to wait, which the latency percentiles of successful requests alone do not show.
    /// </summary>
    public double SlowestAnswerMs { get; init; }

    /// <summary>p50 / p95 of the time to a retryable refusal (how long a refused client waited to learn it).</summary>
    public LatencySummary? RetryableLatency { get; init; }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static LoadReport From(LoadSettings s, IReadOnlyList<LoadSample> samples, TimeSpan elapsed, int images,
        double? eventAt, string? note)
    {
        var ok = samples.Where(x => x.Outcome == LoadOutcome.Ok).ToList();
        double seconds = Math.Max(elapsed.TotalSeconds, 1e-9);
        var byStatus = samples.GroupBy(x => x.Status == 0 ? $"no answer ({x.Error})"
            : x.Status.ToString(CultureInfo.InvariantCulture))
            .OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count());
        return new LoadReport(string.Join(" ", s.Endpoints), s.Line, s.Clients, s.Duration.TotalSeconds, s.MaxRequests,
            s.RequestTimeout.TotalSeconds,
            images, samples.Count, ok.Count, Count(samples, LoadOutcome.Retryable),
            Count(samples, LoadOutcome.HardError),
            Count(samples, LoadOutcome.Hung), seconds, ok.Count / seconds,
            LatencySummary.Of(ok.Select(x => x.LatencyMs).ToList()),
            byStatus, eventAt is { } at ? Summarise(samples, at, seconds, note ?? "") : null, note)
        {
            FailedOver = Count(samples, LoadOutcome.FailedOver),
            SlowestAnswerMs = samples.Where(x => x.Status != 0).Select(x => x.LatencyMs).DefaultIfEmpty(0).Max(),
            RetryableLatency =
            LatencySummary.Of(samples.Where(x => x.Outcome == LoadOutcome.Retryable).Select(x => x.LatencyMs).ToList()),
        };
    }

    private static int Count(IReadOnlyList<LoadSample> samples, LoadOutcome o) => samples.Count(x => x.Outcome == o);

    private static EventSummary Summarise(IReadOnlyList<LoadSample> samples, double at, double end, string note)
    {
        // A request belongs to the phase in which it finished: one in flight when the silo died shows up after.
        double Done(LoadSample x) => x.StartSeconds + x.LatencyMs / 1000;
        var okDone = samples.Where(x => x.Outcome == LoadOutcome.Ok).Select(Done).Order().ToList();
        int before = okDone.Count(t => t < at), after = okDone.Count - before;
        // A failed-over attempt is not a failure of the request: its resend is counted on its own.
        int failedAfter =
            samples.Count(x => x.Outcome is not (LoadOutcome.Ok or LoadOutcome.FailedOver) && Done(x) >= at);
        double gap = 0, last = at;
        foreach (var t in okDone.Where(t => t >= at)) { gap = Math.Max(gap, t - last); last = t; }
        gap = Math.Max(gap, end - last);
        return new EventSummary(at, note, before, after, before / Math.Max(at, 1e-9), after / Math.Max(end - at, 1e-9),
            failedAfter, gap);
    }

    public void WriteJson(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Json));

    /// <summary>The summary table (and the event / baseline lines) on the console.</summary>
    public void Print(string title)
    {
        static string F(double v, string f = "0.0") => v.ToString(f, CultureInfo.InvariantCulture);
        var t = new Table().Title(Markup.Escape(title)).AddColumns("measure", "value");
        t.AddRow("target", Markup.Escape($"{Target} line {Line}"));
        t.AddRow("clients x limit", $"{Clients} x {F(DurationLimitSeconds, "0")} s (max {RequestLimit} requests, " +
            $"timeout {F(TimeoutSeconds, "0")} s)");
        t.AddRow("requests", $"{Requests} in {F(ElapsedSeconds)} s ({Images} distinct images)");
        t.AddRow("ok", $"{Ok}");
        t.AddRow("throughput", $"{F(ThroughputPerSecond, "0.00")} images/s");
        t.AddRow("latency p50 / p95 / p99 / max",
            $"{F(Latency.P50, "0")} / {F(Latency.P95, "0")} / {F(Latency.P99, "0")} / {F(Latency.Max, "0")} ms");
        t.AddRow("retryable refusals (429/503 + Retry-After)", $"{Retryable}");
        if (RetryableLatency is { } rl && Retryable > 0)
            t.AddRow("refusal latency p50 / p95 / max", $"{F(rl.P50, "0")} / {F(rl.P95, "0")} / {F(rl.Max, "0")} ms");
        t.AddRow("slowest answer (any status)", $"{F(SlowestAnswerMs, "0")} ms");
        t.AddRow("hard errors", $"{HardErrors}");
        t.AddRow("hung (client timeout)", $"{Hung}");
        if (FailedOver > 0) t.AddRow("failed over (no answer from one endpoint, resent to the next)", $"{FailedOver}");
        t.AddRow("by status", Markup.Escape(string.Join(", ", ByStatus.Select(kv => $"{kv.Key}: {kv.Value}"))));
        if (EventNote is not null) t.AddRow("event", Markup.Escape(EventNote));
        if (Event is { } e)
            t.AddRow("before / after event", $"{F(e.ThroughputBefore, "0.00")} / {F(e.ThroughputAfter, "0.00")} " +
                $"images/s; {e.FailedAfter} failed after; longest gap without success {F(e.LongestGapSeconds)} s");
        if (Baseline is { } b)
            t.AddRow("single-process reb score", $"{F(b.ImagesPerSecond, "0.00")} images/s ({b.Images} images in " +
                $"{F(b.Seconds)} s, version {Markup.Escape(b.Version)}); gateway/single = {F(b.GatewayRatio, "0.00")}");
        AnsiConsole.Write(t);
    }
}
