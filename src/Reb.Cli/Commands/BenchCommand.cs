using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Reb.Core.Backbones;
using Reb.Core.Features;
using Reb.Core.Ldknn;
using Reb.Core.Search;
using Spectre.Console;
using static TorchSharp.torch;

namespace Reb.Cli.Commands;

/// <summary>
/// `reb bench`: in ONE run, the kNN kernel's rate next to plain float32 mm (their ratio), per-image scoring latency
/// split into backbone and search, and memory. Figures are meant to be read as ratios: the machine is shared and noisy.
/// </summary>
public static class BenchCommand
{
    public sealed record BankFigures(long BankSize, KnnBenchmarkResult Scoring, KnnBenchmarkResult? Fit,
        double MsPerImage, double BackboneMsPerImage, double SearchMsPerImage, double RssGrowthMbOver50Images);

    public sealed record BenchReport(string Machine, int Threads, double KnnGflops, double GemmGflops, double Ratio,
        double MsPerImage, double BackboneMsPerImage, double SearchMsPerImage, double PeakMemoryMb, IReadOnlyList<BankFigures> Banks);

    public static Command Create()
    {
        var sizes = new Option<long[]>("--bank-size") { Description = "bank sizes (patches) to measure; repeatable", DefaultValueFactory = _ => [200_000], AllowMultipleArgumentsPerToken = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "folder for bench.json", Required = true };
        var seconds = new Option<int>("--seconds") { Description = "seconds per timed kernel", DefaultValueFactory = _ => 5 };
        var fit = new Option<bool>("--fit-shape") { Description = "also time the density-fit shape (4096 queries, k=10)" };
        var threads = new Option<int>("--threads") { DefaultValueFactory = _ => Environment.ProcessorCount };
        var cmd = new Command("bench", "Measure the kNN kernel against plain matrix multiply, per-image latency and memory.") { sizes, output, seconds, fit, threads };
        cmd.SetAction(r =>
        {
            set_num_threads(r.GetValue(threads));
            var banks = new List<BankFigures>();
            using var fx = new FeatureExtractor(Backbone.LoadDefault());
            foreach (var size in r.GetValue(sizes)!)
            {
                AnsiConsole.MarkupLine($"[bold]bank {size:N0} x 512[/]");
                var scoring = KnnBenchmark.Run(1024, size, 512, 1, r.GetValue(seconds));
                AnsiConsole.WriteLine(scoring.ToString());
                var fitShape = r.GetValue(fit) ? KnnBenchmark.Run(4096, size, 512, 10, r.GetValue(seconds)) : null;
                if (fitShape is not null) AnsiConsole.WriteLine(fitShape.ToString());
                var (ms, backboneMs, searchMs, growth) = Latency(fx, size);
                AnsiConsole.MarkupLine($"one image: {ms:0} ms = backbone {backboneMs:0} ms + search {searchMs:0} ms (+ maps); RSS growth over 50 images {growth:0.0} MB");
                banks.Add(new BankFigures(size, scoring, fitShape, ms, backboneMs, searchMs, growth));
            }
            var last = banks[^1];
            double knn = Math.Max(last.Scoring.Float32Gflops, last.Scoring.Bf16Gflops);
            var report = new BenchReport(Environment.MachineName.Length > 0 ? $"{Environment.ProcessorCount} cores" : "", get_num_threads(),
                knn, last.Scoring.GemmGflops, knn / last.Scoring.GemmGflops, last.MsPerImage, last.BackboneMsPerImage, last.SearchMsPerImage,
                Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0, banks);
            var dir = r.GetValue(output)!.FullName;
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "bench.json"), JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
            AnsiConsole.MarkupLine($"kNN {knn:0.0} GFLOP/s vs mm {last.Scoring.GemmGflops:0.0} GFLOP/s: ratio [bold]{report.Ratio:0.00}[/]; wrote {Markup.Escape(Path.Combine(dir, "bench.json"))}");
            return 0;
        });
        return cmd;
    }

    /// <summary>Batch-1 latency of one 256x256 image against a patch-like bank: backbone+aggregation, then the LDKNN search.</summary>
    private static (double Ms, double BackboneMs, double SearchMs, double RssGrowthMb) Latency(FeatureExtractor fx, long bankSize)
    {
        using var bank = KnnSyntheticData.PatchLike(bankSize, fx.Dim, 3);
        using var index = new LdknnIndex(bank.clone(), new float[bankSize], Enumerable.Range(0, (int)bankSize).Select(i => (long)i).ToArray(), new LdknnOptions());
        using var image = rand(1, 3, fx.ImageSize, fx.ImageSize) * 255;
        double backbone = 0, search = 0;
        long rssAfter10 = 0;
        const int runs = 50;
        for (int i = 0; i < runs + 2; i++)
        {
            using var scope = NewDisposeScope();
            var w = Stopwatch.StartNew();
            var f = fx.Embed(image);
            double b = w.Elapsed.TotalMilliseconds;
            w.Restart();
            var s = index.ScorePatches(f);
            var maps = AnomalyMaps.PixelMaps(s.reshape(1, fx.GridSize, fx.GridSize));
            double q = w.Elapsed.TotalMilliseconds;
            if (i >= 2) { backbone += b; search += q; }   // two warm-up runs
            if (i == 11) rssAfter10 = Environment.WorkingSet;
        }
        double growth = (Environment.WorkingSet - rssAfter10) / 1048576.0;
        return ((backbone + search) / runs, backbone / runs, search / runs, growth);
    }
}
