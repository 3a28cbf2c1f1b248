using System.CommandLine;
using Spectre.Console;

namespace Reb.Cli.Commands.Load;

/// <summary>
/// `reb load`: N concurrent clients post real images to a gateway's inspect endpoint for T seconds (or R requests),
/// then a table and load.json: throughput, p50/p95/p99, errors by status, retryable refusals vs hard errors, hung
/// requests. Optionally kills a silo midway, and measures the single-process `reb score` rate for the ratio.
/// </summary>
public static class LoadCommand
{
    public static Command Create()
    {
        var url = new Option<string[]>("--url")
        {
            Description = "gateway root(s), loopback only (e.g. http://127.0.0.1:8080 http://127.0.0.1:8081): " +
                "clients spread over them and fail over",
            Required = true,
            AllowMultipleArgumentsPerToken = true
        };
        var key = new Option<string?>("--key") { Description =
            "API key (operator or higher); default: the REB_API_KEY environment variable" };
        var line = new Option<string>("--line") { Description = "product line to inspect", Required = true };
        var images = new Option<string[]>("--images")
        {
            Description = "image files or folders (recursive), sent in turn",
            Required = true,
            AllowMultipleArgumentsPerToken = true
        };
        var clients = new Option<int>("--clients") { Description = "concurrent clients", DefaultValueFactory = _ => 4 };
        var seconds = new Option<double>("--seconds")
        {
            Description = "no request starts after this many seconds",
            DefaultValueFactory = _ => 30
        };
        var requests = new Option<int>("--requests")
        {
            Description = "no request starts after this many requests",
            DefaultValueFactory = _ => 100_000
        };
        var timeout = new Option<double>("--timeout")
        {
            Description = "seconds without an answer before a request counts as hung",
            DefaultValueFactory = _ => 30
        };
        var maxRetryAfter = new Option<double>("--max-retry-after")
        {
            Description = "longest Retry-After (seconds) a client waits",
            DefaultValueFactory = _ => 5
        };
        var output = new Option<DirectoryInfo>("--out")
        {
            Description = "folder for load.json",
            DefaultValueFactory = _ => new DirectoryInfo(".")
        };
        var title = new Option<string>("--title")
        {
            Description = "title of the table",
            DefaultValueFactory = _ => "reb load"
        };
        var killAfter = new Option<double?>("--kill-silo-after") { Description =
            "kill the silo of --silo-pid this many seconds into the run" };
        var siloPid =
            new Option<int?>("--silo-pid") { Description = "pid of the Reb.Silo process to kill (checked to be one)" };
        var baselineModel = new Option<DirectoryInfo?>("--baseline-model") { Description =
            "also measure the single-process `reb score` rate with this model directory" };
        var baselineArtefacts = new Option<DirectoryInfo?>("--baseline-artefacts") { Description = "also measure the " +
            "single-process rate with the line's current version, fetched from this local artefact store folder" };
        var baselineSeconds = new Option<double>("--baseline-seconds")
        {
            Description = "minimum duration of the single-process measurement",
            DefaultValueFactory = _ => 10
        };
        var cmd = new Command("load",
            "Load-test a gateway (loopback only): concurrent inspect requests, latency percentiles, errors; load.json.")
        {
            url, key, line, images, clients, seconds, requests, timeout, maxRetryAfter, output, title, killAfter,
                siloPid,
            baselineModel, baselineArtefacts, baselineSeconds,
        };
        cmd.SetAction(async (r, ct) =>
        {
            var targets = r.GetValue(url)!.Select(x => Uri.TryCreate(x, UriKind.Absolute, out var u) ? u
                : throw new ArgumentException($"--url '{x}' is not an absolute URL (e.g. http://127.0.0.1:8080)"))
                    .ToList();
            if (targets.Count == 0) throw new ArgumentException("--url: at least one gateway root");
            var settings =
                new LoadSettings(targets[0], r.GetValue(key) ?? Environment.GetEnvironmentVariable("REB_API_KEY") ?? "",
                r.GetValue(line)!, r.GetValue(clients), TimeSpan.FromSeconds(r.GetValue(seconds)), r.GetValue(requests),
                TimeSpan.FromSeconds(r.GetValue(timeout)),
                TimeSpan.FromSeconds(r.GetValue(maxRetryAfter))) { MoreUrls = targets.Skip(1).ToList() }.Validated();
            if (r.GetValue(killAfter) is not null != r.GetValue(siloPid) is not null)
                throw new ArgumentException("--kill-silo-after and --silo-pid go together");
            var inputs = r.GetValue(images)!;
            var loaded = LoadImage.Read(inputs);

            var runner = new LoadRunner(settings, loaded)
            {
                Event = r.GetValue(killAfter) is { } after && r.GetValue(siloPid) is { } pid
                    ? (TimeSpan.FromSeconds(after), $"kill silo pid {pid}",
                        () => { SiloKiller.Kill(pid); return Task.CompletedTask; })
                    : null,
            };
            AnsiConsole.MarkupLine(
                $"reb load: {settings.Clients} clients, {settings.Duration.TotalSeconds:0} s, {loaded.Count} images " +
                $"-> {Markup.Escape(string.Join(" ", settings.Endpoints))} line {Markup.Escape(settings.Line)}");
            var report = await runner.RunAsync(ct);

            string? modelDir = r.GetValue(baselineModel)?.FullName;
            string version = "model directory";
            if (modelDir is null && r.GetValue(baselineArtefacts) is { } store)
            {
                version = await ScoreBaseline.CurrentVersionAsync(settings, ct);
                var cache = Directory.CreateTempSubdirectory("reb-load-baseline-").FullName;
                modelDir = await ScoreBaseline.FetchAsync(store.FullName, version, cache, ct);
            }
            if (modelDir is not null)
            {
                AnsiConsole.MarkupLine("reb load: measuring the single-process reb score rate on the same images ...");
                var paths = LoadImage.Paths(inputs);
                var (n, secs) = ScoreBaseline.Measure(modelDir, paths, r.GetValue(baselineSeconds));
                double rate = n / secs;
                report = report with { Baseline =
                    new BaselineSummary(version, n, secs, rate, report.ThroughputPerSecond / rate) };
            }

            var outDir = r.GetValue(output)!.FullName;
            Directory.CreateDirectory(outDir);
            var json = Path.Combine(outDir, "load.json");
            report.WriteJson(json);
            report.Print(r.GetValue(title)!);
            AnsiConsole.MarkupLine($"written {Markup.Escape(json)}");
            return report.Ok > 0 ? 0 : 1;
        });
        return cmd;
    }
}
