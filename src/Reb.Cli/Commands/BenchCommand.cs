using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Reb.Cli.Commands.Bench;
using Reb.Core.Backbones;
using Reb.Core.Features;
using Spectre.Console;
using static TorchSharp.torch;

namespace Reb.Cli.Commands;

/// <summary>
/// `reb bench`: in ONE run, the exact kNN kernel next to plain float32 and bfloat16 mm of the same shapes, with the
/// screen's efficiency figures, per-image latency and memory. On a real model bank (--model, optionally --images) or on
/// synthetic banks (--bank-size). Figures are meant to be read as ratios: the machine may be shared and noisy.
/// </summary>
public static class BenchCommand
{
    public sealed record BenchReport(string Mode, string Source, int Threads, string LoadAverage,
        double? BankPrepareSeconds,
        IReadOnlyList<ShapeFigures> Shapes, IReadOnlyList<LatencyFigures> Latency, double PeakMemoryMb);

    public static Command Create()
    {
        var model = new Option<DirectoryInfo?>("--model") { Description =
            "model directory (`reb fit` output): bench its real bank" };
        var images = new Option<DirectoryInfo?>("--images") { Description =
            "with --model: folder of real images for the scoring shape (searched recursively)" };
        var maxImages = new Option<int>("--max-images")
        {
            Description = "with --images: at most this many images",
            DefaultValueFactory = _ => 16
        };
        var sizes = new Option<long[]>("--bank-size")
        {
            Description = "synthetic mode: bank sizes (patches) to measure; repeatable",
            DefaultValueFactory = _ => [200_000],
            AllowMultipleArgumentsPerToken = true
        };
        var fit = new Option<bool>("--fit-shape") { Description =
            "synthetic mode: also time the density-fit shape (4096 bank rows, k = 10, self excluded)" };
        var output = new Option<DirectoryInfo>("--out") { Description = "folder for bench.json", Required = true };
        var seconds = new Option<int>("--seconds")
        {
            Description = "seconds of interleaved timing rounds per shape",
            DefaultValueFactory = _ => 5
        };
        var threads = new Option<int>("--threads") { DefaultValueFactory = _ => Environment.ProcessorCount };
        var cmd = new Command("bench",
            "Measure the exact kNN kernel against plain matrix multiply on a real model bank or synthetic banks.")
            { model, images, maxImages, sizes, fit, output, seconds, threads };
        cmd.SetAction(r =>
        {
            set_num_threads(r.GetValue(threads));
            var dir = r.GetValue(output)!.FullName;
            Directory.CreateDirectory(dir);
            string load = LoadAverage();
            AnsiConsole.MarkupLine($"threads {get_num_threads()}, load average {load}");
            BenchReport report;
            if (r.GetValue(model) is { } modelDir)
            {
                var (shapes, prepare, _, latency) = ModelBench.Run(modelDir.FullName, r.GetValue(images)?.FullName,
                    r.GetValue(maxImages), r.GetValue(seconds), dir);
                report = new BenchReport("model", modelDir.Name, get_num_threads(), load, prepare, shapes,
                    latency is null ? [] : [latency], Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0);
            }
            else
            {
                var shapes = new List<ShapeFigures>();
                var latencies = new List<LatencyFigures>();
                using var fx = new FeatureExtractor(Backbone.LoadDefault());
                foreach (var size in r.GetValue(sizes)!)
                {
                    AnsiConsole.MarkupLine($"[bold]synthetic bank {size:N0} x 512[/]");
                    var (s, l) = SyntheticBench.Run(fx, size, r.GetValue(fit), r.GetValue(seconds));
                    shapes.AddRange(s);
                    latencies.Add(l);
                }
                report = new BenchReport("synthetic", "patch-like", get_num_threads(), load, null, shapes, latencies,
                    Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0);
            }
            File.WriteAllText(Path.Combine(dir, "bench.json"),
                JsonSerializer.Serialize(report, new JsonSerializerOptions
            {
                WriteIndented = true,
                PropertyNamingPolicy = JsonNamingPolicy.CamelCase
            }));
            AnsiConsole.MarkupLine(
                $"peak memory {report.PeakMemoryMb:0} MB; wrote {Markup.Escape(Path.Combine(dir, "bench.json"))}");
            return 0;
        });
        return cmd;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3))
        : "unknown";
}
