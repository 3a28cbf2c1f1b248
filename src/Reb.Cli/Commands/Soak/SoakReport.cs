using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Reb.Cli.Commands.Soak;

public sealed record Percentiles(int Count, double P50, double P95, double P99, double Max);
public sealed record SoakLineFigures(string Line, string Category, int Shots, long BankRows, int Requests, int Answered,
    double ThroughputPerSecond, double P50Ms, double P95Ms, double P99Ms, int ColdWakes);
public sealed record SoakSiloFigures(int Silo, long BudgetBytes, long MaxResidentBankBytes, long LargestShardBytes,
    bool WithinBudgetPlusOneShard, long MaxRssBytes);
public sealed record SoakKill(int Silo, double AtSeconds, double? RestartedAtSeconds);
public sealed record SoakPoint(double Seconds, long[] ResidentBytes, long[] RssBytes, double? P95Ms, int Requests);

/// <summary>`reb cluster soak`'s result: soak.json (the fields scripts read: statusCounts, lines[].answered and p95Ms,
/// silos[].budgetBytes and maxResidentBankBytes, coldWakeSeconds) and soak.html (memory and latency over time).
/// resentAfterCut: inspections sent again (same idempotency key) to the next silo after a cut connection;
/// answeredFromHistory: resends the gateway answered with the inspection the dead silo had already recorded.</summary>
public sealed record SoakReport(
    int LineCount, int Shards, int SiloCount, double BankBudgetMb, double Minutes, double? KillSiloAtMinutes,
    int Clients,
    double DurationSeconds, int Requests, double ThroughputPerSecond, Percentiles LatencyMs,
    IReadOnlyDictionary<string, int> StatusCounts, int UnexpectedResponses, int RefusalsWithoutRetryAfter,
    int CutByTheKill,
    int ResentAfterCut, int AnsweredFromHistory, IReadOnlyList<SoakLineFigures> Lines,
    IReadOnlyList<SoakSiloFigures> Silos, Percentiles ColdWakeSeconds,
    SoakKill? Kill, bool MetricsExported, IReadOnlyList<SoakPoint> Timeline)
{
    public static Percentiles Of(IEnumerable<double> values)
    {
        var s = values.Order().ToArray();
        if (s.Length == 0) return new Percentiles(0, 0, 0, 0, 0);
        double Q(double q) => s[Math.Min(s.Length - 1, Math.Max(0, (int)Math.Ceiling(q * s.Length) - 1))];
        return new Percentiles(s.Length, Q(0.5), Q(0.95), Q(0.99), s[^1]);
    }

    public static SoakReport From(SoakSettings settings, IReadOnlyList<SoakLine> lines,
        IReadOnlyList<SoakRequest> requests,
        IReadOnlyList<ClusterSample> samples, double seconds, SoakKill? kill, bool metricsExported)
    {
        var ok = requests.Where(r => r.Status == 200).ToList();
        var statusCounts = requests.GroupBy(r => r.Status == 0 ? $"no-answer ({r.NoAnswer})"
            : r.Status.ToString(CultureInfo.InvariantCulture))
            .OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count());
        var lineFigures = lines.Select(l =>
        {
            var mine = requests.Where(r => r.Line == l.Name).ToList();
            var answered = Of(mine.Where(r => r.Status == 200).Select(r => r.Ms));
            return new SoakLineFigures(l.Name, l.Category, l.Shots, l.BankRows, mine.Count, answered.Count,
                answered.Count / seconds,
                answered.P50, answered.P95, answered.P99, mine.Count(r => r.ColdWake));
        }).ToList();
        var siloFigures = Enumerable.Range(0, settings.Silos).Select(i =>
        {
            var mine = samples.Select(s => s.Silos[i]).ToList();
            long budget = mine.Select(s => s.BudgetBytes).DefaultIfEmpty(0).Max();
            long peak = mine.Select(s => Math.Max(s.PeakResidentBytes, s.ResidentBytes)).DefaultIfEmpty(0).Max();
            long shard = mine.Select(s => s.LargestShardBytes).DefaultIfEmpty(0).Max();
            return new SoakSiloFigures(i, budget, peak, shard, peak <= budget + shard,
                mine.Select(s => s.RssBytes).DefaultIfEmpty(0).Max());
        }).ToList();
        var timeline = samples.Select(s =>
        {
            var window = ok.Where(r => r.StartSeconds > s.Seconds - 10 && r.StartSeconds <= s.Seconds).Select(r => r.Ms)
                .ToList();
            return new SoakPoint(Math.Round(s.Seconds, 1), s.Silos.Select(x => x.ResidentBytes).ToArray(),
                s.Silos.Select(x => x.RssBytes).ToArray(),
                window.Count > 0 ? Of(window).P95 : null,
                requests.Count(r => r.StartSeconds > s.Seconds - 1 && r.StartSeconds <= s.Seconds));
        }).ToList();
        return new SoakReport(settings.Lines, settings.Shards, settings.Silos, settings.BankBudgetMb,
            settings.Duration.TotalMinutes,
            settings.KillSiloAt?.TotalMinutes, settings.Clients, seconds, requests.Count, ok.Count / seconds,
            Of(ok.Select(r => r.Ms)),
            statusCounts,
            requests.Count(r => r.Status != 200 && !(r.Status == 503 && r.RetryAfter) && !CutByKill(r, kill)),
            requests.Count(r => r.Status == 503 && !r.RetryAfter), requests.Count(r => CutByKill(r, kill)),
            requests.Count(r => r.Resends > 0), requests.Count(r => r.Replayed), lineFigures, siloFigures,
            Of(requests.Where(r => r.ColdWake).Select(r => r.Ms / 1000)), kill, metricsExported, timeline);
    }

    /// <summary>A request the killed silo was serving (or that reached it while it was down): its connection broke
    /// or was refused, so there is no response to judge; the client moved to another silo.</summary>
    private static bool CutByKill(SoakRequest r, SoakKill? kill) =>
        r.Status == 0 && kill is { } k && r.Silo == k.Silo && r.StartSeconds + r.Ms / 1000 >= k.AtSeconds
        && (k.RestartedAtSeconds is not { } back || r.StartSeconds <= back);

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase
    };

    public void Write(string outDir)
    {
        Directory.CreateDirectory(outDir);
        File.WriteAllText(Path.Combine(outDir, "soak.json"), JsonSerializer.Serialize(this, Json));
        File.WriteAllText(Path.Combine(outDir, "soak.html"), Html());
    }

    /// <summary>Two inline SVG charts (no scripts, no external files): resident bank bytes and RSS per silo with the
    /// budget, and the p95 latency of answered inspections over the last 10 s; the silo kill and restart
    /// marked.</summary>
    private string Html()
    {
        var sb = new StringBuilder();
        sb.Append("<!doctype html><html><head><meta charset=\"utf-8\"><title>reb cluster soak</title>")
          .Append("<style>body{font-family:sans-serif;margin:1.5rem}svg{border:1px solid " +
              "#ccc;background:#fff}</style></head><body>");
        sb.Append(CultureInfo.InvariantCulture, $"<h1>reb cluster soak</h1><p>{LineCount} lines x {Shards} shards on " +
            $"{SiloCount} silos, budget {BankBudgetMb} MiB per silo, ")
          .Append(CultureInfo.InvariantCulture, $"{DurationSeconds:0} s, {Requests} requests, " +
              $"{ThroughputPerSecond:0.00} answered/s, p95 {LatencyMs.P95:0} ms, ")
          .Append(CultureInfo.InvariantCulture,
              $"cold wakes {ColdWakeSeconds.Count} (p95 {ColdWakeSeconds.P95:0.00} s).</p>");
        string[] colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];
        double mib = 1 << 20;
        var series = new List<(string Name, string Colour, bool Dashed, IReadOnlyList<(double X, double Y)> Points)>();
        for (int i = 0; i < SiloCount; i++)
        {
            series.Add(($"silo {i} resident bank", colours[i % colours.Length], false,
                Timeline.Select(p => (p.Seconds, p.ResidentBytes[i] / mib)).ToList()));
            series.Add(($"silo {i} RSS", colours[i % colours.Length], true,
                Timeline.Select(p => (p.Seconds, p.RssBytes[i] / mib)).ToList()));
        }
        series.Add(("budget", "#000", true, [(0, BankBudgetMb), (DurationSeconds, BankBudgetMb)]));
        sb.Append(Chart("Memory per silo (MiB)", series));
        sb.Append(Chart("p95 latency of answered inspections, last 10 s (ms)",
            [("p95", "#1f77b4", false,
                Timeline.Where(p => p.P95Ms is not null).Select(p => (p.Seconds, p.P95Ms!.Value)).ToList())]));
        sb.Append("</body></html>");
        return sb.ToString();
    }

    private string Chart(string title,
        IReadOnlyList<(string Name, string Colour, bool Dashed, IReadOnlyList<(double X, double Y)> Points)> series)
    {
        const int W = 900, H = 320, L = 60, B = 30, T = 20;
        double maxX = Math.Max(1, DurationSeconds),
            maxY = Math.Max(1, series.SelectMany(s => s.Points).Select(p => p.Y).DefaultIfEmpty(1).Max() * 1.1);
        string X(double x) => (L + x / maxX * (W - L - 10)).ToString("0.0", CultureInfo.InvariantCulture);
        string Y(double y) => (H - B - y / maxY * (H - B - T)).ToString("0.0", CultureInfo.InvariantCulture);
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture,
            $"<h2>{title}</h2><svg width=\"{W}\" height=\"{H}\" xmlns=\"http://www.w3.org/2000/svg\">");
        sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{L}\" y1=\"{H - B}\" x2=\"{W - 10}\" y2=\"{H - B}\" " +
            $"stroke=\"#888\"/><line x1=\"{L}\" y1=\"{T}\" x2=\"{L}\" y2=\"{H - B}\" stroke=\"#888\"/>");
        for (int k = 0; k <= 4; k++)
        {
            double y = maxY * k / 4, x = maxX * k / 4;
            sb.Append(CultureInfo.InvariantCulture,
                $"<text x=\"{L - 5}\" y=\"{Y(y)}\" font-size=\"11\" text-anchor=\"end\">{y:0.#}</text>");
            sb.Append(CultureInfo.InvariantCulture,
                $"<text x=\"{X(x)}\" y=\"{H - 10}\" font-size=\"11\" text-anchor=\"middle\">{x:0} s</text>");
        }
        if (Kill is { } kill)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{X(kill.AtSeconds)}\" y1=\"{T}\" " +
                $"x2=\"{X(kill.AtSeconds)}\" y2=\"{H - B}\" stroke=\"#d62728\" stroke-dasharray=\"2,3\"/><text " +
                $"x=\"{X(kill.AtSeconds)}\" y=\"{T + 10}\" font-size=\"11\">kill silo {kill.Silo}</text>");
            if (kill.RestartedAtSeconds is { } r)
                sb.Append(CultureInfo.InvariantCulture,
                    $"<line x1=\"{X(r)}\" y1=\"{T}\" x2=\"{X(r)}\" y2=\"{H - B}\" stroke=\"#2ca02c\" " +
                    $"stroke-dasharray=\"2,3\"/><text x=\"{X(r)}\" y=\"{T + 22}\" font-size=\"11\">restarted</text>");
        }
        int legend = 0;
        foreach (var (name, colour, dashed, points) in series)
        {
            if (points.Count == 0) continue;
            var path = string.Join(" ", points.Select(p => $"{X(p.X)},{Y(p.Y)}"));
            sb.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{colour}\" " +
                $"stroke-width=\"1.5\"{(dashed ? " stroke-dasharray=\"5,3\"" : "")} points=\"{path}\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{W - 200}\" y=\"{T + 12 + 13 * legend++}\" " +
                $"font-size=\"11\" fill=\"{colour}\">{(dashed ? "- - " : "— ")}{name}</text>");
        }
        return sb.Append("</svg>").ToString();
    }
}
