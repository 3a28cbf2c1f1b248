using System.CommandLine;
using Reb.Core.Models;
using Reb.Core.Backbones;
using Reb.Core.Datasets;
using Reb.Core.Features;
using Spectre.Console;

namespace Reb.Cli.Commands;

/// <summary>`reb fit`: fit a product line on its good images and write a model directory.</summary>
public static class FitCommand
{
    public static Command Create()
    {
        var data = new Option<DirectoryInfo>("--data")
        {
            Description = "category folder (MVTec AD/LOCO/BTAD layout) or a folder of good images",
            Required = true
        };
        var output = new Option<DirectoryInfo>("--out") { Description = "model directory to write", Required = true };
        var common = new CommonOptions();
        var cmd = new Command("fit",
            "Fit a product line on defect-free images and write a versioned model directory.") { data, output };
        common.AddTo(cmd);
        cmd.SetAction(r =>
        {
            var options = common.Read(r);
            var train = TrainingImages(r.GetValue(data)!.FullName, options.Shots, out var category);
            Reb.Core.Adaptation.AdaptationOutcome? adaptation = null;
            var (model, fit) = ConsoleProgress.Run(p => ModelFitter.Fit(train,
                common.Extractor(r, options, train, p, out adaptation), options, p));
            if (adaptation?.Guard is { } guard)
                AnsiConsole.MarkupLine($"adaptation guard: {Markup.Escape(guard.Explain())}");
            using (model)
            {
                var manifest = ModelStore.Save(model, fit, category, r.GetValue(output)!.FullName);
                Reports.Skipped(fit.Skipped);
                AnsiConsole.MarkupLine($"[green]model {manifest.Version}[/] for [bold]{Markup.Escape(category)}[/]: " +
                    $"{fit.TrainImages} images, bank {fit.BankSize:N0} patches, " +
                                       $"threshold {model.Threshold.Value:0.####} -> " +
                                       $"{Markup.Escape(r.GetValue(output)!.FullName)}");
                // Say what the threshold promises.
                if (model.Threshold.Calibration is { } c)
                {
                    AnsiConsole.MarkupLine(Markup.Escape(Reb.Core.Calibration.CalibrationSummary.Line(c)));
                    AnsiConsole.MarkupLine(Markup.Escape($"rule: {c.Rule}"));
                    if (c.Warning is { } w) AnsiConsole.MarkupLine($"[yellow]warning:[/] {Markup.Escape(w)}");
                }
            }
            return 0;
        });
        return cmd;
    }

    /// <summary>Good training images of a category folder, or every image of a plain folder.</summary>
    public static IReadOnlyList<string> TrainingImages(string root, int? shots, out string category)
    {
        var ds = DatasetReader.Open(root, DatasetLayout.Auto, shots);
        category = ds.Category;
        foreach (var w in ds.Warnings) AnsiConsole.MarkupLine($"[yellow]warning:[/] {Markup.Escape(w)}");
        if (ds.Layout == DatasetLayout.PlainFolder)
        {
            var all = ds.Test.Select(t => t.ImagePath).ToList();
            return shots is { } n ? all.Take(n).ToList() : all;
        }
        return ds.TrainGood;
    }
}
