using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Reb.Core.Backbones;
using Reb.Core.Features;
using Reb.Core.Ldknn;
using Reb.Core;
using Reb.Core.Imaging;
using Reb.Core.Models;
using Reb.Core.Pipeline;
using Reb.Core.Search;
using Spectre.Console;
using static TorchSharp.torch;

namespace Reb.Cli.Commands;

/// <summary>
/// `reb bench-update`: time of appending a fraction of new rows to a fitted bank (<see cref="BankUpdate"/>)
/// against a full refit on the union, measured back to back in one process (read the ratio: the machine is shared),
/// and a check that both give the same densities bit for bit.
/// </summary>
public static class BenchUpdateCommand
{
    public sealed record UpdateBenchReport(long OldRows, long NewRows, int K, string Data, double FitOldSeconds,
        double UpdateSeconds,
        double RefitSeconds, double Ratio, long AffectedOldRows, long Candidates, long ExactDistances,
        bool IdenticalDensities, string LoadBefore, string LoadAfter, int Threads,
        long ScreenedOldRows = 0);

    public static Command Create()
    {
        var size = new Option<long>("--bank-size")
        {
            Description = "patches in the fitted bank before the update",
            DefaultValueFactory = _ => 200_000
        };
        var fraction = new Option<double>("--add-fraction")
        {
            Description = "new rows as a fraction of the bank",
            DefaultValueFactory = _ => 0.05
        };
        var data = new Option<DirectoryInfo?>("--data") { Description = "embed real images from this category folder " +
            "(good training images, 1024 patches each at 256 px) instead of synthetic patch-like features" };
        var k = new Option<int>("--k") { DefaultValueFactory = _ => 9 };
        var output = new Option<DirectoryInfo>("--out")
        {
            Description = "folder for bench-update.json",
            Required = true
        };
        var threads = new Option<int>("--threads") { DefaultValueFactory = _ => Environment.ProcessorCount };
        var cmd = new Command("bench-update", "Time an incremental bank update against a full refit on the union, " +
            "and check they agree.") { size, fraction, data, k, output, threads };
        cmd.SetAction(r =>
        {
            set_num_threads(r.GetValue(threads));
            long n = r.GetValue(size);
            long m = Math.Max(1, (long)Math.Round(n * r.GetValue(fraction)));
            var options = new LdknnOptions { K = r.GetValue(k) };
            string loadBefore = Load();
            var (all, source) = r.GetValue(data) is { } dir ? RealFeatures(dir.FullName, n + m)
                : (KnnSyntheticData.PatchLike(n + m, 512, seed: 14), "synthetic patch-like");
            using var _all = all;
            n = all.shape[0] - m;
            using var old = all.narrow(0, 0, n).clone();
            using var fresh = all.narrow(0, n, m).clone();
            AnsiConsole.MarkupLine($"bank {n:N0} + {m:N0} rows ({Markup.Escape(source)}), K = {options.K}");

            var watch = Stopwatch.StartNew();
            var (index, table) = BankNeighbours.Fit(old, options);
            double fitOld = watch.Elapsed.TotalSeconds;
            AnsiConsole.MarkupLine($"fit of the old bank: {fitOld:0.0} s");
            using var _i = index;
            using var _t = table;
            var (updated, updatedTable, stats) = BankUpdate.Append(index, table, fresh);
            using var _u = updated;
            using var _ut = updatedTable;
            AnsiConsole.MarkupLine($"update: {stats.Seconds:0.0} s ({stats.AffectedOldRows:N0} old rows changed " +
                $"neighbourhood, of {stats.CandidateOldRows:N0} the screen kept; search: {stats.Candidates:N0} " +
                $"candidates, {stats.ExactDistances:N0} exact distances; new rows {stats.NewRowsSeconds:0.0} s, old " +
                $"rows screened {stats.OldRowsSeconds:0.0} s, kept rows vs new {stats.AffectedSeconds:0.0} s, new " +
                $"index {stats.IndexSeconds:0.0} s; kernel: prepare {stats.Search!.PrepareSeconds:0.0} s, screen " +
                $"{stats.Search.ScreenSeconds:0.0} s, re-rank {stats.Search.RerankSeconds:0.0} s)");
            watch.Restart();
            using var refit = ModelFitter.FitIndex(all, options);
            double refitSeconds = watch.Elapsed.TotalSeconds;
            bool same = refit.Density.AsSpan().SequenceEqual(updated.Density);
            var report = new UpdateBenchReport(n, m, options.K, source, fitOld, stats.Seconds, refitSeconds,
                stats.Seconds / refitSeconds,
                stats.AffectedOldRows, stats.Candidates, stats.ExactDistances, same, loadBefore, Load(),
                get_num_threads(), stats.CandidateOldRows);
            var outDir = r.GetValue(output)!.FullName;
            Directory.CreateDirectory(outDir);
            File.WriteAllText(Path.Combine(outDir, "bench-update.json"),
                JsonSerializer.Serialize(report, new JsonSerializerOptions
            {
                WriteIndented = true,
                PropertyNamingPolicy = JsonNamingPolicy.CamelCase
            }));
            AnsiConsole.MarkupLine($"refit on the union: {refitSeconds:0.0} s; update / refit = " +
                $"[bold]{report.Ratio:P1}[/]; densities identical: {same}; load {loadBefore} -> {report.LoadAfter}");
            return same ? 0 : 1;
        });
        return cmd;
    }

    private static (Tensor Features, string Source) RealFeatures(string dir, long rows)
    {
        using var fx = new FeatureExtractor(Backbone.LoadDefault(), 256);
        long perImage = (long)fx.GridSize * fx.GridSize;
        int images = (int)((rows + perImage - 1) / perImage);
        var train = FitCommand.TrainingImages(dir, images, out var category);
        var (bank, used) = ModelFitter.Embed(train, fx, new InspectionOptions(), [], null);
        return (bank, $"{category}: {used.Count} images embedded at 256 px");
    }

    private static string Load() => File.Exists("/proc/loadavg")
        ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
