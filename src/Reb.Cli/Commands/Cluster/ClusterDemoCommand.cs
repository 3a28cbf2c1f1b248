using Reb.Storage;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Reb.Abstractions.Contracts;
using Reb.Core.Datasets;
using Reb.Core.Metrics;
using Reb.Core;
using Reb.Core.Pipeline;
using Reb.Grains.Diagnostics;
using Reb.Grains.Hosting;
using Spectre.Console;

namespace Reb.Cli.Commands.Cluster;

/// <summary>
/// `reb cluster demo`: the whole product path in one process. An embedded silo fits the category's line from
/// train/good through the training grain (distributed density fit over bank shards), then every test image is scored
/// through the scoring grain (fan-out to the shards); scores.csv, overlays/ and summary.json are written.
/// </summary>
public static class ClusterDemoCommand
{
    public sealed record DemoSummary(string Line, string Version, int Shards, int TrainImages, int TestImages,
        int Rejected,
        double? ImageAuroc, double FitSeconds, double ScoreSeconds, double ImagesPerSecond, long LargestMessageBytes,
        string LargestMessageCall)
    {
        /// <summary>The threshold rule ("target" / "cost"), its predictions from training data, and the measured
        /// rates.</summary>
        public string? ThresholdRule { get; init; }
        public double? PredictedFalseRejectRate { get; init; }
        public double? PredictedEscapeRate { get; init; }
        public double? MeasuredFalseRejectRate { get; init; }
        public double? MeasuredEscapeRate { get; init; }
        public int DefectiveRejected { get; init; }
        public int Defective { get; init; }
        public string? Warning { get; init; }
        /// <summary>Each predicted rate held against the measured one (flagged when off by more than 15 points or
        /// significantly worse).</summary>
        public IReadOnlyList<Reb.Core.Calibration.PredictionCheck> PredictionChecks { get; init; } = [];
    }

    public static Command Create()
    {
        var data = new Option<DirectoryInfo>("--data")
        {
            Description = "category folder (MVTec layout: train/good, test/<type>)",
            Required = true
        };
        var output = new Option<DirectoryInfo>("--out")
        {
            Description = "folder for scores.csv, overlays/, summary.json",
            Required = true
        };
        var artefacts = new Option<DirectoryInfo?>("--artefacts") { Description =
            "local artefact store of the embedded silo (default: <out>/artefacts)" };
        var shards = new Option<int>("--shards")
        {
            Description = "bank shards (fit and scoring)",
            DefaultValueFactory = _ => 2
        };
        var common = new CommonOptions();
        var cmd = new Command("demo", "End to end on an embedded cluster: fit a category's line with the training " +
            "grain (`reb fit`'s options), score its test split with the scoring grain.")
            { data, output, artefacts, shards };
        common.AddTo(cmd);
        cmd.SetAction(async (r, ct) =>
        {
            try { return await Run(r, common, r.GetValue(data)!.FullName, r.GetValue(output)!.FullName,
                r.GetValue(artefacts)?.FullName,
                r.GetValue(shards), ct); }
            catch (Exception e) when (ClusterCommand.IsUserError(e))
            {
                AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message.ReplaceLineEndings(" "))}");
                return 2;
            }
        });
        return cmd;
    }

    private static async Task<int> Run(ParseResult r, CommonOptions common, string dataDir, string outDir,
        string? artefactDir, int shards, CancellationToken ct)
    {
        if (!Directory.Exists(dataDir)) throw new DirectoryNotFoundException($"--data '{dataDir}' does not exist");
        var options = common.Read(r);
        var ds = DatasetReader.Open(dataDir, DatasetLayout.Auto, options.Shots);
        foreach (var w in ds.Warnings) AnsiConsole.MarkupLine($"[yellow]warning:[/] {Markup.Escape(w)}");
        if (ds.Test.Count == 0) throw new InvalidDataException($"--data '{dataDir}' has no test images to score");
        var line =
            new string(ds.Category.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray());
        Directory.CreateDirectory(outDir);
        var overlays = Path.Combine(outDir, "overlays");
        Directory.CreateDirectory(overlays);
        var store = new ArtefactStoreSettings { Root = artefactDir ?? Path.Combine(outDir, "artefacts") };

        AnsiConsole.MarkupLine($"starting an embedded silo (artefacts in {Markup.Escape(store.Root)}) ...");
        await using var session = await ClusterSession.StartEmbeddedAsync(store, ct);
        MessageSizeMeter.Reset();
        var fitWatch = Stopwatch.StartNew();
        AnsiConsole.MarkupLine($"fitting line [bold]{Markup.Escape(line)}[/] on {ds.TrainGood.Count} good images " +
            $"with {shards} bank shards (training grain) ...");
        var request = common.TrainingRequest(r, line, ds.Category) with { FitShards = shards };
        var version = ClusterCommand.RunWithProgress(p => ClusterJobs.FitAsync(session, request, ds.TrainGood, p, ct));
        var fitSeconds = fitWatch.Elapsed.TotalSeconds;
        var threshold = await ClusterJobs.ThresholdAsync(session, version, ct);

        var results = new List<(DatasetSample Sample, ScoreResult Result)>();
        var scoreWatch = Stopwatch.StartNew();
        ClusterCommand.RunWithProgress(async p =>
        {
            foreach (var sample in ds.Test)
            {
                // One folder per defect type: MVTec-style splits reuse file names (test/good/000.png,
                // test/defect/000.png).
                var dir = Directory.CreateDirectory(Path.Combine(overlays, sample.DefectType)).FullName;
                var (res, _, _) = await ClusterJobs.InspectAsync(session, line, sample.ImagePath, threshold, dir, ct);
                results.Add((sample, res));
                p.Report(new StageProgress("score", (double)results.Count / ds.Test.Count));
            }
            return 0;
        });
        var scoreSeconds = scoreWatch.Elapsed.TotalSeconds;

        ScoresCsv.Write(Path.Combine(outDir, "scores.csv"), results.Select(x => new ScoreRow(
            Path.GetRelativePath(ds.Root, x.Sample.ImagePath), x.Sample.DefectType,
            ds.HasLabels ? x.Sample.IsAnomalous : null,
            x.Result.Score, x.Result.Reject, x.Result.Threshold, x.Result.Version, x.Result.Shards)));

        double? auroc = null;
        var labels = results.Select(x => x.Sample.IsAnomalous).ToArray();
        if (ds.HasLabels && labels.Contains(true) && labels.Contains(false))
            auroc = Auroc.Compute(results.Select(x => x.Result.Score).ToArray(), labels);
        var cal = threshold?.Calibration;
        var good = results.Where(x => ds.HasLabels && !x.Sample.IsAnomalous).ToList();
        var defective = results.Where(x => ds.HasLabels && x.Sample.IsAnomalous).ToList();
        var summary = new DemoSummary(line, version, shards, ds.TrainGood.Count, results.Count,
            results.Count(x => x.Result.Reject), auroc,
            fitSeconds, scoreSeconds, results.Count / scoreSeconds, MessageSizeMeter.LargestBytes,
            MessageSizeMeter.LargestCall)
        {
            ThresholdRule = cal?.RuleKind, PredictedFalseRejectRate = cal?.PredictedFalseRejectRate,
                PredictedEscapeRate = cal?.PredictedEscapeRate,
            MeasuredFalseRejectRate = good.Count == 0 ? null : good.Count(x => x.Result.Reject) / (double)good.Count,
            MeasuredEscapeRate = defective.Count == 0 ? null
            : defective.Count(x => !x.Result.Reject) / (double)defective.Count,
            DefectiveRejected = defective.Count(x => x.Result.Reject), Defective = defective.Count,
            Warning = cal?.Warning,
            PredictionChecks = Reb.Core.Calibration.PredictionCheck.Both(
                cal?.PredictedFalseRejectRate, cal?.PredictedUpper, good.Count(x => x.Result.Reject), good.Count,
                cal?.PredictedEscapeRate, cal?.PredictedEscapeUpper, defective.Count(x => !x.Result.Reject),
                defective.Count),
        };
        File.WriteAllText(Path.Combine(outDir, "summary.json"),
            JsonSerializer.Serialize(summary, new JsonSerializerOptions
            {
                WriteIndented = true,
                PropertyNamingPolicy = JsonNamingPolicy.CamelCase
            }));

        var t = new Table().AddColumns("demo", "value");
        t.AddRow("line / version", $"{Markup.Escape(line)} / {version}");
        t.AddRow("train / test images", $"{summary.TrainImages} / {summary.TestImages} ({summary.Rejected} rejected)");
        t.AddRow("image AUROC",
            auroc is { } a ? a.ToString("0.0000", CultureInfo.InvariantCulture) : "n/a (no labels)");
        if (cal is not null)
        {
            t.AddRow("threshold rule", Markup.Escape(Reb.Core.Calibration.CalibrationSummary.Line(cal)));
            t.AddRow("false rejects", Markup.Escape($"predicted {Percent(cal.PredictedFalseRejectRate)}, measured " +
                $"{Percent(summary.MeasuredFalseRejectRate)} " +
                $"({good.Count(x => x.Result.Reject)} of {good.Count} good)"));
            t.AddRow("escapes",
                Markup.Escape($"predicted {Percent(cal.PredictedEscapeRate)} (synthetic defects), measured " +
                $"{Percent(summary.MeasuredEscapeRate)} ({defective.Count - summary.DefectiveRejected} of " +
                $"{defective.Count} defective)"));
        }
        t.AddRow("fit (training grain)", $"{fitSeconds:0.0} s");
        t.AddRow("score (scoring grain)",
            $"{scoreSeconds:0.0} s ({summary.ImagesPerSecond:0.00} img/s, {shards} shards)");
        t.AddRow("largest grain message",
            $"{summary.LargestMessageBytes / 1024.0:0.0} KiB ({Markup.Escape(summary.LargestMessageCall)})");
        AnsiConsole.Write(t);
        if (summary.Warning is { } warning) AnsiConsole.MarkupLine($"[yellow]warning:[/] {Markup.Escape(warning)}");
        foreach (var check in summary.PredictionChecks.Where(c => c.Flagged))
            AnsiConsole.MarkupLine($"[yellow]warning:[/] {Markup.Escape(check.Text)}");
        AnsiConsole.MarkupLine(
            $"wrote [bold]{Markup.Escape(Path.Combine(outDir, "summary.json"))}[/], scores.csv, overlays/");
        return 0;
    }

    private static string Percent(double? rate)
        => rate is { } r ? (100 * r).ToString("0.0", CultureInfo.InvariantCulture) + " %" : "n/a";
}
