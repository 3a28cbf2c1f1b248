using Reb.Core.Imaging;
using System.Diagnostics;
using Reb.Core.Models;
using Reb.Core.Datasets;
using Reb.Core.Pipeline;
using Reb.Core.Search;
using Spectre.Console;
using static TorchSharp.torch;

namespace Reb.Cli.Commands.Bench;

/// <summary>
/// `reb bench --model`: the kernel on a real bank (the model's core features, which is the whole memory bank at the
/// default coreset ratio 1). Density-fit shape: 4096 bank rows (row i * n / 4096) as queries, K + 1 neighbours, each
/// excluding its own row. Scoring shape: every patch of the given real images, embedded with the model's backbone, k =
/// 1. </summary>
public static class ModelBench
{
    public const int FitQueries = 4096;

    public static (List<ShapeFigures> Shapes, double PrepareSeconds, long BankSize, LatencyFigures? Latency) Run(
        string modelDir, string? imagesDir, int maxImages, int seconds, string outDir)
    {
        using var model = ModelStore.Load(modelDir);
        var vectors = model.Index.CoreFeatures;
        long n = vectors.shape[0];
        int k = model.Index.Options.K + 1;
        AnsiConsole.MarkupLine($"model bank: {n:N0} x {vectors.shape[1]} (core features; K = {model.Index.Options.K})");

        var watch = Stopwatch.StartNew();
        using var bank = KnnBank.Create(vectors);
        double prepare = watch.Elapsed.TotalSeconds;
        AnsiConsole.MarkupLine($"bank preparation: {prepare:F2} s");
        watch.Restart();
        using var cells = KnnSearch.Create(bank, SearchMode.Cells, seed: model.Index.Options.Seed);
        double cellsBuild = watch.Elapsed.TotalSeconds;
        using var auto = KnnSearch.Create(bank, SearchMode.Auto, seed: model.Index.Options.Seed);
        AnsiConsole.MarkupLine(
            $"cells: {cells.Cells!.CellCount} built in {cellsBuild:F2} s; auto picks {SearchModes.Name(auto.Mode)} " +
            $"(probe screens {auto.ProbeFraction:P1} of the bank per query; it keeps cells under " +
            $"{KnnSearch.AutoLimit(bank):P1} here)");
        var (gemm, mklTile, libTorchTile) = Bf16GemmChoice.Timing;
        AnsiConsole.MarkupLine($"bfloat16 GEMM of the flat screen: {gemm} (one 512 x 4096 x 512 tile: MKL's " +
            $"{mklTile * 1e3:F1} ms, libtorch's {libTorchTile * 1e3:F1} ms)");

        var shapes = new List<ShapeFigures>();
        int fitCount = (int)Math.Min(FitQueries, n);
        var rows = Enumerable.Range(0, fitCount).Select(i => (long)i * n / fitCount).ToArray();
        using (var scope = NewDisposeScope())
        {
            var queries = vectors.index_select(0, tensor(rows)).contiguous();
            var fit = ShapeBench.Run("density fit", vectors, bank, queries, k, rows, seconds, cells: cells,
                cellsBuildSeconds: cellsBuild, auto: auto);
            AnsiConsole.WriteLine(fit.ToString());
            shapes.Add(fit);
        }

        LatencyFigures? latency = null;
        if (imagesDir is null)
            AnsiConsole.MarkupLine("[yellow]no --images: the scoring shape needs real images (e.g. the category's " +
                "test folder); skipped[/]");
        else
        {
            var paths = Directory.EnumerateFiles(imagesDir, "*", SearchOption.AllDirectories)
                .Where(ImageFiles.IsSupported)
                .Order(StringComparer.Ordinal).Take(maxImages).ToList();
            if (paths.Count == 0) throw new InvalidDataException($"no image files in {imagesDir}");
            using var scope = NewDisposeScope();
            var features = new List<Tensor>();
            foreach (var batch in ImageBatches.Read(paths, model.Embedder.ImageSize, 8, mode: model.Embedder.Resize,
                onSkip: skip => AnsiConsole.MarkupLine($"[yellow]skipped {Markup.Escape(skip.ToString())}[/]")))
                using (batch) features.Add(model.Embedder.Embed(batch.Images));
            var queries = cat(features).contiguous();
            // Written next to bench.json so that another exact search can be timed on the very same queries.
            TensorFiles.WriteFloats(Path.Combine(outDir, "scoring-queries.f32"), queries);
            var scoring = ShapeBench.Run($"scoring ({paths.Count} images)", vectors, bank, queries, 1, null, seconds,
                cells: cells,
                cellsBuildSeconds: cellsBuild, auto: auto);
            AnsiConsole.WriteLine(scoring.ToString());
            shapes.Add(scoring);
            latency = Latency.Measure(model.Embedder, model.Index, paths[0]);
            AnsiConsole.WriteLine(latency.ToString());
        }
        return (shapes, prepare, n, latency);
    }
}
