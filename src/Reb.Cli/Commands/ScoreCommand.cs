using System.CommandLine;
using System.Globalization;
using System.Text;
using Reb.Core.Models;
using Reb.Core.Datasets;
using Reb.Core.Imaging;
using Reb.Core;
using Reb.Core.Pipeline;
using Spectre.Console;

namespace Reb.Cli.Commands;

/// <summary>`reb score`: inspect images with a saved model: score, verdict, heatmap overlay per image.</summary>
public static class ScoreCommand
{
    public static Command Create()
    {
        var model = new Option<DirectoryInfo>("--model")
        {
            Description = "model directory written by `reb fit`",
            Required = true
        };
        var output = new Option<DirectoryInfo?>("--out") { Description =
            "where overlays and scores.csv go (default: ./reb-score)" };
        var inputs = new Argument<string[]>("images")
        {
            Description = "image files or folders",
            Arity = ArgumentArity.OneOrMore
        };
        var cmd = new Command("score", "Inspect images with a model: score, verdict against its threshold, heatmap " +
            "overlay PNG.") { model, output, inputs };
        cmd.SetAction(r =>
        {
            var paths = ExpandInputs(r.GetValue(inputs)!);
            var outDir = (r.GetValue(output)?.FullName) ?? Path.GetFullPath("reb-score");
            Directory.CreateDirectory(outDir);
            using var m = ModelStore.Load(r.GetValue(model)!.FullName);
            var table = new Table().AddColumns("image", "score", "verdict", "overlay");
            var rows = new List<ScoreRow>();
            var skipped = new List<SkippedImage>();
            int rejects = 0, n = 0;
            ConsoleProgress.Run(p =>
            {
                foreach (var (batch, results) in m.ScoreAll(ImageBatches.Read(paths, m.Options.ImageSize,
                    m.Options.BatchSize, skipped.Add, keepOriginals: true, mode: m.Embedder.Resize)))
                {
                    for (int i = 0; i < results.Count; i++)
                    {
                        var s = results[i];
                        var png = Path.Combine(outDir, Path.GetFileNameWithoutExtension(s.Path) + ".overlay.png");
                        File.WriteAllBytes(png, OverlayRenderer.Render(s, batch.Originals[i]!, m.Threshold));
                        table.AddRow(Markup.Escape(s.Path),
                            s.Score.ToString("0.####", CultureInfo.InvariantCulture),
                            s.Reject ? "[red]REJECT[/]" : "[green]good[/]", Markup.Escape(png));
                        rows.Add(new ScoreRow(s.Path, null, null, s.Score, s.Reject, m.Threshold.Value,
                            m.Manifest?.Version));
                        rejects += s.Reject ? 1 : 0;
                        n++;
                    }
                    p.Report(new StageProgress("score", (double)(n + skipped.Count) / paths.Count));
                }
                return 0;
            });
            ScoresCsv.Write(Path.Combine(outDir, "scores.csv"), rows);
            AnsiConsole.Write(table);
            Reports.Skipped(skipped);
            AnsiConsole.MarkupLine($"{n} images scored, [red]{rejects} rejected[/], {skipped.Count} skipped; model " +
                $"{m.Manifest?.Version}, threshold {m.Threshold.Value:0.####}");
            return skipped.Count > 0 && n == 0 ? 1 : 0;
        });
        return cmd;
    }

    /// <summary>Files as given; folders expanded to their images (sorted). A path that does not exist is an
    /// error.</summary>
    public static IReadOnlyList<string> ExpandInputs(IEnumerable<string> inputs)
    {
        var result = new List<string>();
        foreach (var input in inputs)
        {
            if (File.Exists(input)) result.Add(Path.GetFullPath(input));
            else if (Directory.Exists(input))
            {
                var images = ImageFiles.List(input, new List<string>());
                if (images.Count == 0) throw new InvalidDataException(
                    $"folder '{input}' contains no images ({string.Join(", ", ImageLoader.SupportedExtensions)})");
                result.AddRange(images);
            }
            else throw new FileNotFoundException($"'{input}' is neither an image file nor a folder");
        }
        return result;
    }
}
