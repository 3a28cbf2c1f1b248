using System.CommandLine;
using Reb.Core.Models;
using Reb.Core.Datasets;
using Reb.Core.Pipeline;
using Spectre.Console;

namespace Reb.Cli.Commands;

/// <summary>`reb eval`: fit on a category's good training images, score its test split, write metrics.json, scores.csv,
/// overlays.</summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var data = new Option<DirectoryInfo>("--data")
        {
            Description = "category folder with a labelled test split",
            Required = true
        };
        var output = new Option<DirectoryInfo>("--out")
        {
            Description = "folder for metrics.json, scores.csv, overlays/ and model/",
            Required = true
        };
        var layout = new Option<DatasetLayout>("--layout")
        {
            Description = "dataset layout (auto-detected by default)",
            DefaultValueFactory = _ => DatasetLayout.Auto
        };
        var common = new CommonOptions();
        // The review loop on the test split, and the measurement behind the fold rule.
        var reviewHalf = new Option<bool>("--review-half") { Description =
            "overturn the false rejects among a seeded half of the good test images, add them to the bank " +
            "(incremental update), recalibrate, and report the other half's false-reject rate before and after" };
        var study =
            new Option<bool>("--calibration-study") { Description = "also measure out-of-fold scores for several " +
            "contiguous block widths and where left-out images find their nearest patches (training images only)" };
        var cmd = new Command("eval", "Fit a category, score its test split and report image/pixel AUROC, AUPRO, " +
            "reject rates and timings.") { data, output, layout, reviewHalf, study };
        common.AddTo(cmd);
        cmd.SetAction(r =>
        {
            var options = common.Read(r);
            var ds = DatasetReader.Open(r.GetValue(data)!.FullName, r.GetValue(layout), options.Shots);
            foreach (var w in ds.Warnings) AnsiConsole.MarkupLine($"[yellow]warning:[/] {Markup.Escape(w)}");
            var outDir = r.GetValue(output)!.FullName;
            var result = ConsoleProgress.Run(p =>
            {
                var extractor = common.Extractor(r, options, ds.TrainGood, p, out var adaptation);
                return Evaluator.Run(ds, extractor, options, outDir, p, adaptation: adaptation,
                    verdicts: new VerdictEvalOptions
                    {
                        ReviewHalf = r.GetValue(reviewHalf),
                        ReviewSeed = options.Ldknn.Seed,
                        FoldStudy = r.GetValue(study)
                    });
            });
            using (result.Model)
            {
                var rep = result.Report;
                Reports.Skipped(rep.Skipped);
                var t = new Table().AddColumns("metric", "value");
                t.AddRow("category", Markup.Escape(rep.Category));
                t.AddRow("train / test images",
                    $"{rep.TrainImages} / {rep.TestImages} ({rep.TestGood} good, {rep.TestDefective} defective)");
                t.AddRow("resize", Markup.Escape(rep.Settings.Resize));
                t.AddRow("bank / core", $"{rep.BankSize:N0} / {rep.CoreSize:N0}");
                t.AddRow("image AUROC", $"{rep.ImageAuroc:0.0000}");
                t.AddRow("pixel AUROC", rep.PixelAuroc is { } pa ? $"{pa:0.0000}" : "n/a (no masks)");
                t.AddRow("AUPRO (FPR <= 0.3)", rep.Aupro is { } ap ? $"{ap:0.0000}" : "n/a (no masks)");
                t.AddRow("threshold (good images only)",
                    $"{rep.Threshold:0.####}: false rejects {rep.FalseRejectRate:P1}, escapes {rep.EscapeRate:P1}");
                VerdictRows.Add(t, rep);
                t.AddRow("F1-optimal threshold (labels)",
                    $"{rep.F1Optimal.Threshold:0.####}: F1 {rep.F1Optimal.F1:0.000}, false rejects " +
                    $"{rep.AtF1Optimal.FalseRejectRate:P1}, escapes {rep.AtF1Optimal.EscapeRate:P1}");
                t.AddRow("backbone", rep.Adaptation is { } a
                    ? (rep.BackboneUsed == "adapted" ? "adapted" : "ImageNet ResNet18 (adaptation run, not kept)") +
                        $" ({Markup.Escape(a.Budget)} budget, seed {a.Seed}, {a.Seconds:0} s, " +
                        $"loss {a.FirstLoss:0.###} -> {a.LastLoss:0.###})"
                    : "ImageNet ResNet18");
                if (rep.AdaptationGuard is { } g) t.AddRow("adaptation guard", Markup.Escape(g.Explain()));
                t.AddRow("seconds", $"embed {rep.Seconds.Embed:0.0}, fit {rep.Seconds.Fit:0.0}, calibrate " +
                    $"{rep.Seconds.Calibrate:0.0}, score {rep.Seconds.Score:0.0} ({rep.ImagesPerSecond:0.00} img/s)");
                AnsiConsole.Write(t);
                if (rep.CalibrationWarning is { } warning)
                    AnsiConsole.MarkupLine($"[yellow]warning:[/] {Markup.Escape(warning)}");
                foreach (var check in rep.PredictionChecks.Where(c => c.Flagged))
                    AnsiConsole.MarkupLine($"[yellow]warning:[/] {Markup.Escape(check.Text)}");
                var manifest = ModelStore.Save(result.Model, result.Fit, rep.Category, Path.Combine(outDir, "model"));
                AnsiConsole.MarkupLine($"wrote [bold]{Markup.Escape(Path.Combine(outDir, "metrics.json"))}[/], " +
                    $"scores.csv, overlays/, model/ ({manifest.Version})");
            }
            return 0;
        });
        return cmd;
    }
}
