using System.CommandLine;
using System.Diagnostics;
using Reb.Cli.Commands.Cluster;
using Reb.Storage;
using Spectre.Console;

namespace Reb.Cli.Commands.Soak;

/// <summary>
/// `reb cluster soak`: a plant's line-up on real silo processes on loopback. Trains N lines (from --data categories,
/// shot counts and seeds varied), starts K silos with a bank memory budget each, sends mixed-line inspections from
/// several clients for T minutes, kills one silo at T2 and restarts it, and writes DIR/soak.json and DIR/soak.html.
/// </summary>
public static class SoakCommand
{
    public static Command Create()
    {
        var data = new Option<DirectoryInfo[]>("--data")
        {
            Description = "category folders (train/good, test/...), used in turn by the lines",
            Required = true,
            AllowMultipleArgumentsPerToken = true
        };
        var lines = new Option<int>("--lines") { Description = "product lines", DefaultValueFactory = _ => 12 };
        var shards = new Option<int>("--shards") { Description = "bank shards per line", DefaultValueFactory = _ => 2 };
        var silos = new Option<int>("--silos") { Description = "silo processes", DefaultValueFactory = _ => 3 };
        var budget = new Option<double>("--bank-budget-mb")
        {
            Description = "bank memory budget per silo (MiB, Reb:Silo:BankMemoryMb)",
            Required = true
        };
        var minutes = new Option<double>("--minutes")
        {
            Description = "minutes of inspection traffic",
            DefaultValueFactory = _ => 10
        };
        var killAt = new Option<double?>("--kill-silo-at") { Description =
            "minute at which the last silo is killed (SIGKILL), then restarted" };
        var restartAfter = new Option<double>("--restart-after")
        {
            Description = "seconds between the kill and the restart",
            DefaultValueFactory = _ => 20
        };
        var clients = new Option<int>("--clients") { Description = "concurrent clients", DefaultValueFactory = _ => 6 };
        var shots = new Option<int>("--shots")
        {
            Description = "training images of the first lines (later lines add 1 to 3)",
            DefaultValueFactory = _ => 4
        };
        var size = new Option<int>("--image-size") { DefaultValueFactory = _ => 256 };
        var images = new Option<int>("--images-per-line")
        {
            Description = "test images each line's clients send",
            DefaultValueFactory = _ => 6
        };
        var redis = new Option<string>("--redis")
        {
            Description = "Redis for membership, grain state and reminders (any silo may then be killed)",
            DefaultValueFactory = _ => "127.0.0.1:6379"
        };
        var output = new Option<DirectoryInfo>("--out")
        {
            Description = "folder for soak.json and soak.html",
            Required = true
        };
        var cmd = new Command("soak", "Many lines on real silo processes: memory budgets, cold wakes, a silo killed " +
            "and restarted; soak.json and soak.html.")
            { data, lines, shards, silos, budget, minutes, killAt, restartAfter, clients, shots, size, images, redis,
                output };
        cmd.SetAction(async (r, ct) =>
        {
            try
            {
                var settings = new SoakSettings(r.GetValue(data)!.Select(d => d.FullName).ToList(), r.GetValue(lines),
                    r.GetValue(shards), r.GetValue(silos),
                    r.GetValue(budget), TimeSpan.FromMinutes(r.GetValue(minutes)),
                    r.GetValue(killAt) is { } k ? TimeSpan.FromMinutes(k) : null,
                    TimeSpan.FromSeconds(r.GetValue(restartAfter)), r.GetValue(clients), r.GetValue(shots),
                    r.GetValue(size), r.GetValue(images),
                    r.GetValue(redis)!, r.GetValue(output)!.FullName).Validated();
                return await Run(settings, ct);
            }
            catch (Exception e) when (ClusterCommand.IsUserError(e) || e is TimeoutException)
            {
                AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message.ReplaceLineEndings(" "))}");
                return 2;
            }
        });
        return cmd;
    }

    private static async Task<int> Run(SoakSettings settings, CancellationToken ct)
    {
        var work = Path.Combine(settings.OutDir, "cluster");
        await using var silos = new SoakSilos(settings, work);
        AnsiConsole.MarkupLine($"soak: starting {settings.Silos} silos (cluster {silos.ClusterId}, budget " +
            $"{settings.BankBudgetMb} MiB each) in {Markup.Escape(work)}");
        await silos.StartAllAsync(ct);
        await using var session =
            await ClusterSession.ConnectAsync($"127.0.0.1:{silos.Ports[0].Gateway}", silos.ClusterId, silos.ClusterId,
            new ArtefactStoreSettings { Kind = "local", Root = silos.ArtefactRoot }, ct);
        var lines = await SoakLines.TrainAsync(settings, session, ct);

        var clock = Stopwatch.StartNew();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var monitor = new SoakMonitor(session.Grains, silos, lines, settings.Shards, clock);
        var monitoring = monitor.RunAsync(stop.Token);
        var traffic = new SoakTraffic(settings, silos, lines, monitor, clock);
        AnsiConsole.MarkupLine(
            $"soak: {settings.Clients} clients over {lines.Count} lines for {settings.Duration.TotalMinutes:0.#} min");
        var sending = traffic.RunAsync(stop.Token);
        SoakKill? kill = null;
        if (settings.KillSiloAt is { } at)
        {
            int victim = settings.Silos - 1;
            await Task.Delay(at, ct);
            kill = new SoakKill(victim, clock.Elapsed.TotalSeconds, null);
            silos.Kill(victim);
            AnsiConsole.MarkupLine($"soak: killed silo {victim} at {kill.AtSeconds:0} s");
            await Task.Delay(settings.RestartAfter, ct);
            try
            {
                await silos.StartAsync(victim, ct);
                kill = kill with { RestartedAtSeconds = clock.Elapsed.TotalSeconds };
                AnsiConsole.MarkupLine($"soak: silo {victim} back at {kill.RestartedAtSeconds:0} s");
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                AnsiConsole.MarkupLine($"[red]soak: silo {victim} did not come back:[/] {Markup.Escape(e.Message)}");
            }
        }
        var left = settings.Duration - clock.Elapsed;
        if (left > TimeSpan.Zero) await Task.Delay(left, ct);
        await stop.CancelAsync();
        await sending;
        await monitoring;
        double seconds = clock.Elapsed.TotalSeconds;
        bool metrics = await MetricsExportedAsync(silos, ct);

        var report =
            SoakReport.From(settings, lines, [.. traffic.Requests], [.. monitor.Samples], seconds, kill, metrics);
        report.Write(settings.OutDir);
        Print(report);
        AnsiConsole.MarkupLine(
            $"wrote [bold]{Markup.Escape(Path.Combine(settings.OutDir, "soak.json"))}[/] and soak.html");
        return 0;
    }

    /// <summary>Whether silo 0's /metrics carries the bank memory and shard activation series.</summary>
    private static async Task<bool> MetricsExportedAsync(SoakSilos silos, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        http.DefaultRequestHeaders.Authorization =
            new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", silos.MetricsToken);
        try
        {
            var text = await http.GetStringAsync(new Uri(silos.Http(0), "metrics"), ct);
            return text.Contains("reb_shard_resident_bytes", StringComparison.Ordinal)
                && text.Contains("reb_shard_activation_seconds", StringComparison.Ordinal);
        }
        catch (HttpRequestException) { return false; }
    }

    private static void Print(SoakReport r)
    {
        var t = new Table().AddColumns("line", "requests", "answered", "p50 ms", "p95 ms", "cold wakes");
        foreach (var l in r.Lines)
            t.AddRow(l.Line, $"{l.Requests}", $"{l.Answered}", $"{l.P50Ms:0}", $"{l.P95Ms:0}", $"{l.ColdWakes}");
        AnsiConsole.Write(t);
        var s = new Table().AddColumns("silo", "budget MiB", "max resident MiB", "largest shard MiB",
            "within budget + 1 shard", "max RSS MiB");
        foreach (var x in r.Silos)
            s.AddRow($"{x.Silo}", $"{x.BudgetBytes / 1048576.0:0.0}", $"{x.MaxResidentBankBytes / 1048576.0:0.0}",
                $"{x.LargestShardBytes / 1048576.0:0.0}",
                x.WithinBudgetPlusOneShard ? "yes" : "[red]no[/]", $"{x.MaxRssBytes / 1048576.0:0}");
        AnsiConsole.Write(s);
        AnsiConsole.MarkupLine(
            $"statuses: {Markup.Escape(string.Join(", ", r.StatusCounts.Select(kv => $"{kv.Key}: {kv.Value}")))}; " +
            $"unexpected {r.UnexpectedResponses}, cut by the kill {r.CutByTheKill}, resent after a cut " +
            $"{r.ResentAfterCut} ({r.AnsweredFromHistory} answered from the history); " +
                               $"{r.ThroughputPerSecond:0.00} answered/s, p95 {r.LatencyMs.P95:0} ms; cold wakes " +
                               $"{r.ColdWakeSeconds.Count}, p50 {r.ColdWakeSeconds.P50:0.00} s, p95 " +
                               $"{r.ColdWakeSeconds.P95:0.00} s; metrics exported: {r.MetricsExported}");
    }
}
