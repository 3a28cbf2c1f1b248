using System.CommandLine;
using System.Globalization;
using System.Text;
using Reb.Core.Pipeline;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Reb.Storage;
using Spectre.Console;

namespace Reb.Cli.Commands.Cluster;

/// <summary>`reb cluster ...`: the product-line operations through a cluster (a gateway, or an embedded
/// silo).</summary>
public static class ClusterCommand
{
    public static Command Create()
    {
        var cluster = new Command("cluster", "Fit, score and manage product lines through an Orleans cluster " +
            "(--gateway host:port, or an embedded in-process silo).");
        cluster.Subcommands.Add(Fit());
        cluster.Subcommands.Add(Score());
        cluster.Subcommands.Add(Status());
        cluster.Subcommands.Add(Promote());
        cluster.Subcommands.Add(Rollback());
        cluster.Subcommands.Add(Publish());
        cluster.Subcommands.Add(HistoryCommands.History());
        cluster.Subcommands.Add(HistoryCommands.Review());
        cluster.Subcommands.Add(ClusterDemoCommand.Create());
        cluster.Subcommands.Add(ClusterBenchCommand.Create());
        return cluster;
    }

    private static Option<string> LineOption() => new("--line")
    {
        Description = "product line (e.g. pcb)",
        Required = true
    };

    private static Command Fit()
    {
        var line = LineOption();
        var data = new Option<DirectoryInfo>("--data")
        {
            Description = "category folder (train/good) or a folder of good images",
            Required = true
        };
        var shards = new Option<int>("--shards")
        {
            Description = "bank shards for the density fit and for scoring",
            DefaultValueFactory = _ => 2
        };
        var common = new CommonOptions();
        var conn = new ClusterConnectionOptions();
        var cmd = new Command("fit",
            "Train a new model version for a line with the cluster's training grain (REB's whole pipeline, " +
                                     "DefectMaker adaptation included, with `reb fit`'s options); it becomes " +
                                     "current.") { line, data, shards };
        common.AddTo(cmd);
        conn.AddTo(cmd);
        return WithSession(cmd, conn, async (r, s, ct) =>
        {
            var options = common.Read(r);
            var images = FitCommand.TrainingImages(r.GetValue(data)!.FullName, options.Shots, out var category);
            var request =
                common.TrainingRequest(r, r.GetValue(line)!, category) with { FitShards = r.GetValue(shards) };
            var version = RunWithProgress(p => ClusterJobs.FitAsync(s, request, images, p, ct));
            AnsiConsole.MarkupLine($"line [bold]{Markup.Escape(r.GetValue(line)!)}[/]: version {version} is current " +
                $"({images.Count} images, {r.GetValue(shards)} shards, {Markup.Escape(s.Where)})");
            if ((await ClusterJobs.ThresholdAsync(s, version, ct))?.Calibration is { } c)
            {
                AnsiConsole.MarkupLine(Markup.Escape(Reb.Core.Calibration.CalibrationSummary.Line(c)));
                if (c.Warning is { } w) AnsiConsole.MarkupLine($"[yellow]warning:[/] {Markup.Escape(w)}");
            }
            return 0;
        });
    }

    /// <summary>`reb cluster publish`: a model made by `reb fit` elsewhere (another site, an offline GPU machine) into
    /// the cluster.</summary>
    private static Command Publish()
    {
        var line = LineOption();
        var model = new Option<DirectoryInfo>("--model")
        {
            Description = "model directory written by `reb fit`",
            Required = true
        };
        var promote = new Option<bool>("--promote") { Description =
            "make it the line's current version (the first version always is)" };
        var conn = new ClusterConnectionOptions();
        var cmd = new Command("publish",
            "Register a model directory made by `reb fit` as a version of a line: checked against its " +
                                         "checksums, copied into the artefact store, registered (and promoted with " +
                                         "--promote).") { line, model, promote };
        conn.AddTo(cmd);
        return WithSession(cmd, conn, async (r, s, ct) =>
        {
            var name = r.GetValue(line)!;
            var version = await ClusterJobs.PublishAsync(s, name, r.GetValue(model)!.FullName, r.GetValue(promote), ct);
            AnsiConsole.MarkupLine(
                $"line [bold]{Markup.Escape(name)}[/]: version {version} registered ({Markup.Escape(s.Where)})");
            Print(await s.Client.StatusAsync(name, refresh: true, ct));
            return 0;
        });
    }

    private static Command Score()
    {
        var line = LineOption();
        var output = new Option<DirectoryInfo?>("--out") { Description =
            "where overlays and scores.csv go (default: ./reb-cluster-score)" };
        var inputs = new Argument<string[]>("images")
        {
            Description = "image files or folders",
            Arity = ArgumentArity.OneOrMore
        };
        var conn = new ClusterConnectionOptions();
        var cmd = new Command("score", "Score images with the line's current version: score, verdict, version, " +
            "overlay PNG.") { line, output, inputs };
        conn.AddTo(cmd);
        return WithSession(cmd, conn, async (r, s, ct) =>
        {
            var name = r.GetValue(line)!;
            var paths = ScoreCommand.ExpandInputs(r.GetValue(inputs)!);
            var outDir = r.GetValue(output)?.FullName ?? Path.GetFullPath("reb-cluster-score");
            Directory.CreateDirectory(outDir);
            var status = await ClusterJobs.WithCurrent(s, name, ct);
            var threshold = await ClusterJobs.ThresholdAsync(s, status.Current!, ct);
            var table = new Table().AddColumns("image", "score", "verdict", "version", "overlay");
            var rows = new List<ScoreRow>();
            foreach (var path in paths)
            {
                var (res, png, _) = await ClusterJobs.InspectAsync(s, name, path, threshold, outDir, ct);
                table.AddRow(Markup.Escape(path), res.Score.ToString("0.####", CultureInfo.InvariantCulture),
                    res.Reject ? "[red]REJECT[/]" : "[green]good[/]", res.Version, Markup.Escape(png));
                rows.Add(new ScoreRow(path, null, null, res.Score, res.Reject, res.Threshold, res.Version, res.Shards));
            }
            ScoresCsv.Write(Path.Combine(outDir, "scores.csv"), rows);
            AnsiConsole.Write(table);
            return 0;
        });
    }

    private static Command Status()
    {
        var line = LineOption();
        var conn = new ClusterConnectionOptions();
        var cmd = new Command("status",
            "Show a line's registry: current version, registered versions, roll-back history, shards, jobs; " +
                                        "and what retention removed in the cluster.") { line };
        conn.AddTo(cmd);
        return WithSession(cmd, conn, async (r, s, ct) =>
        {
            var status = await ClusterJobs.KnownLine(s, r.GetValue(line)!, ct);
            Print(status);
            PrintRetention(status, await s.Client.RetryAsync(()
                => s.Grains.GetGrain<IRetentionTotalsGrain>(IRetentionTotalsGrain.Key).Get(), ct));
            return 0;
        });
    }

    private static Command Promote()
    {
        var line = LineOption();
        var version = new Option<string>("--version")
        {
            Description = "a model version (content address) published in the artefact store",
            Required = true
        };
        var conn = new ClusterConnectionOptions();
        var cmd = new Command("promote", "Make a version the line's current one (registered first when it is new; " +
            "verified against its checksums).") { line, version };
        conn.AddTo(cmd);
        return WithSession(cmd, conn, async (r, s, ct) =>
        {
            var name = r.GetValue(line)!;
            var v = r.GetValue(version)!;
            var grain = s.Client.Line(name);
            var status = await grain.GetStatus();
            // A version published by another site (shared store) is registered here by promoting it.
            Print(status.Versions.Any(x => x.Version == v) ? await grain.Promote(v)
                : await grain.RegisterVersion(v, promote: true));
            return 0;
        });
    }

    private static Command Rollback()
    {
        var line = LineOption();
        var conn = new ClusterConnectionOptions();
        var cmd = new Command("rollback",
            "Return the line to the version that was current before the last promote.") { line };
        conn.AddTo(cmd);
        return WithSession(cmd, conn, async (r, s, ct) =>
        {
            var name = r.GetValue(line)!;
            var status = await ClusterJobs.WithCurrent(s, name, ct);
            if (status.Previous.Count == 0) throw new ClusterCommandException(
                $"line '{name}': no earlier version to roll back to (current is {status.Current})");
            Print(await s.Client.Line(name).RollBack());
            return 0;
        });
    }

    public static void Print(ProductLineStatus s)
    {
        var t = new Table().AddColumns("line", Markup.Escape(s.Line));
        t.AddRow("current", s.Current ?? "[grey](none)[/]");
        t.AddRow("versions",
            Markup.Escape(string.Join("\n", s.Versions.Select(v => $"{v.Version}  {v.RegisteredUtc:u}  {v.Source}"))));
        t.AddRow("roll back to", s.Previous.Count > 0 ? s.Previous[^1] : "[grey](none)[/]");
        t.AddRow("scoring shards", s.Shards.ToString(CultureInfo.InvariantCulture));
        t.AddRow("training jobs", s.Jobs.Count.ToString(CultureInfo.InvariantCulture));
        AnsiConsole.Write(t);
    }

    /// <summary>What retention keeps of the line and what it removed in the whole cluster (counts and bytes).</summary>
    public static void PrintRetention(ProductLineStatus s, RetentionTotals removed)
    {
        var t = new Table().AddColumns("retention", "");
        t.AddRow("versions kept (this line)", s.Versions.Count.ToString(CultureInfo.InvariantCulture));
        t.AddRow("versions removed (cluster)", $"{removed.VersionsRemoved} ({Bytes(removed.VersionBytes)} deleted)");
        t.AddRow("job checkpoints deleted (cluster)",
            $"{removed.CheckpointFiles} files ({Bytes(removed.CheckpointBytes)})");
        t.AddRow("orphan images swept (cluster)", $"{removed.OrphanImages} ({Bytes(removed.OrphanImageBytes)})");
        AnsiConsole.Write(t);
    }

    private static string Bytes(long n) => n < 1 << 20
        ? $"{n.ToString(CultureInfo.InvariantCulture)} bytes"
        : $"{(n / 1048576.0).ToString("F1", CultureInfo.InvariantCulture)} MiB";

    /// <summary>Progress bars around async work (the bars are synchronous; the work runs on the thread pool).</summary>
    public static T RunWithProgress<T>(Func<IProgress<Reb.Core.StageProgress>, Task<T>> work) =>
        ConsoleProgress.Run(p => Task.Run(() => work(p)).GetAwaiter().GetResult());

    /// <summary>
    /// Opens the session, runs the action, closes the session. Errors a user can act on (unknown line, no version,
    /// unreachable gateway or store, bad input) print one line and exit with 2, never a stack trace.
    /// </summary>
    public static Command WithSession(Command cmd, ClusterConnectionOptions conn,
        Func<ParseResult, ClusterSession, CancellationToken, Task<int>> action)
    {
        cmd.SetAction(async (r, ct) =>
        {
            try
            {
                await using var session = await conn.ConnectAsync(r, ct);
                return await action(r, session, ct);
            }
            catch (Exception e) when (IsUserError(e))
            {
                AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message.ReplaceLineEndings(" "))}");
                return 2;
            }
        });
        return cmd;
    }

    public static bool IsUserError(Exception e)
        => e is ClusterCommandException or ModelVersionException or ModelNotFoundException
        or ArtefactStoreUnavailableException or OrleansException or TimeoutException || UserErrors.IsUserError(e);
}
