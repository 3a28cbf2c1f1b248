using System.CommandLine;
using System.Globalization;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Spectre.Console;

namespace Reb.Cli.Commands.Cluster;

/// <summary>
/// `reb cluster history` and `reb cluster review`: the inspection history of a line through the cluster
/// (a silo's history, read by the history grain), and operator reviews of its verdicts.
/// </summary>
public static class HistoryCommands
{
    public static Command History()
    {
        var line = new Option<string>("--line") { Description = "product line", Required = true };
        var from = new Option<string?>("--from") { Description =
            "start of the time range, ISO 8601 (UTC when no offset), inclusive" };
        var to = new Option<string?>("--to") { Description = "end of the time range, exclusive" };
        var verdict = new Option<string?>("--verdict") { Description = "reject | good | any" };
        var review = new Option<string?>("--review") { Description = "none | reviewed | confirmed | overturned | any" };
        var take = new Option<int>("--take")
        {
            Description = "rows shown (newest first); --csv exports up to 100000",
            DefaultValueFactory = _ => 50
        };
        var csv = new Option<FileInfo?>("--csv") { Description = "write the rows to this CSV file instead of a table" };
        var conn = new ClusterConnectionOptions();
        var cmd = new Command("history",
            "A line's inspections from the history database: time range, verdict and review filters; table or CSV.")
            { line, from, to, verdict, review, take, csv };
        conn.AddTo(cmd);
        return ClusterCommand.WithSession(cmd, conn, async (r, s, ct) =>
        {
            var name = r.GetValue(line)!;
            await ClusterJobs.KnownLine(s, name, ct);
            var f = Time(r.GetValue(from), "--from");
            var t = Time(r.GetValue(to), "--to");
            if (f is not null && t is not null && f >= t)
                throw new ClusterCommandException($"empty time range: --from ({f:O}) must be before --to ({t:O})");
            var grain = s.Grains.GetGrain<IInspectionHistoryGrain>(0);
            if (r.GetValue(csv) is { } file)
            {
                var text = await grain.ExportCsv(new HistoryQuery(name, f, t, r.GetValue(verdict), r.GetValue(review),
                    100_000));
                await File.WriteAllTextAsync(file.FullName, text, ct);
                int rows = text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length - 1;
                AnsiConsole.MarkupLine(
                    $"{rows} inspections of line {Markup.Escape(name)} written to {Markup.Escape(file.FullName)}" +
                                       (rows == 0 ? " [yellow](none in this range: the file holds the header only)[/]"
                                           : ""));
                return 0;
            }
            var list = await grain.Query(new HistoryQuery(name, f, t, r.GetValue(verdict), r.GetValue(review),
                Math.Clamp(r.GetValue(take), 1, 10_000)));
            if (list.Count == 0) { AnsiConsole.MarkupLine($"no inspections of line {Markup.Escape(name)} match");
                return 0; }
            var table = new Table()
                .AddColumns("id", "time (UTC)", "verdict", "score", "threshold", "version", "review", "image");
            foreach (var x in list)
                table.AddRow(x.Id, x.TimeUtc.UtcDateTime.ToString("u", CultureInfo.InvariantCulture),
                    x.Reject ? "[red]reject[/]" : "[green]good[/]",
                    x.Score.ToString("0.###", CultureInfo.InvariantCulture),
                    x.Threshold.ToString("0.###", CultureInfo.InvariantCulture),
                    Markup.Escape(Short(x.Version)), Markup.Escape(x.Review +
                        (x.Reviewer is null ? "" : $" by {x.Reviewer}")), x.ImageKey is null ? "" : "stored");
            AnsiConsole.Write(table);
            return 0;
        });
    }

    public static Command Review()
    {
        var line = new Option<string>("--line") { Description = "product line", Required = true };
        var id = new Option<string>("--id")
        {
            Description = "inspection id (from `reb cluster history` or the API)",
            Required = true
        };
        var decision = new Option<string>("--decision")
        {
            Description = "confirm (the verdict was right) | overturn (it was wrong)",
            Required = true
        };
        var note = new Option<string?>("--note") { Description = "why (kept with the review)" };
        var reviewer = new Option<string>("--reviewer")
        {
            Description = "who reviews (recorded)",
            DefaultValueFactory = _ => "cli:" + Environment.UserName
        };
        var conn = new ClusterConnectionOptions();
        var cmd = new Command("review",
            "Confirm or overturn an inspection's verdict (an overturned reject can then be added to the line's bank).")
            { line, id, decision, note, reviewer };
        conn.AddTo(cmd);
        return ClusterCommand.WithSession(cmd, conn, async (r, s, ct) =>
        {
            var name = r.GetValue(line)!;
            await ClusterJobs.KnownLine(s, name, ct);
            var row = await s.Grains.GetGrain<IInspectionHistoryGrain>(0)
                .Review(name, r.GetValue(id)!, r.GetValue(decision)!, r.GetValue(reviewer)!, r.GetValue(note))
                      ?? throw new ClusterCommandException(
                          $"inspection '{r.GetValue(id)}' of line '{name}' is not in the inspection history");
            AnsiConsole.MarkupLine($"inspection {row.Id} ({(row.Reject ? "reject" : "good")}, score " +
                $"{row.Score:0.###}): [bold]{row.Review}[/] by {Markup.Escape(row.Reviewer ?? "")}");
            return 0;
        });
    }

    private static DateTimeOffset? Time(string? text, string option)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? t : throw new ClusterCommandException(
                $"{option} '{text}' is not an ISO 8601 time (e.g. 2026-01-31T08:00:00Z)");
    }

    private static string Short(string version) => version.Length > 19 ? version[..19] + "…" : version;
}
