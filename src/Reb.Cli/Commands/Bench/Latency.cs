using System.Diagnostics;
using Reb.Core.Features;
using Reb.Core.Ldknn;
using Reb.Core;
using Reb.Core.Imaging;
using Reb.Core.Models;
using Reb.Core.Pipeline;
using static TorchSharp.torch;

namespace Reb.Cli.Commands.Bench;

/// <summary>Batch-1 latency of one image: backbone + aggregation, then the LDKNN search and maps; RSS growth over the
/// runs.</summary>
public sealed record LatencyFigures(string Source, double MsPerImage, double BackboneMs, double SearchMs,
    double RssGrowthMbOver50Images)
{
    public override string ToString() =>
        $"one image ({Source}): {MsPerImage:0} ms = backbone {BackboneMs:0} ms + search {SearchMs:0} ms (+ maps); " +
        $"RSS growth over 50 images {RssGrowthMbOver50Images:0.0} MB";
}

public static class Latency
{
    /// <summary>Real mode: a real image, embedded by the model's backbone, searched in the model's own index.</summary>
    public static LatencyFigures Measure(IPatchEmbedder embedder, LdknnIndex index, string imagePath)
    {
        using var batch = ImageBatches.Read([imagePath], embedder.ImageSize, 1, _ => { }).First();
        // The model's own search (its manifest's mode), which need not be the cells timed above: say which.
        return Measure($"real image, model bank, {Reb.Core.Search.SearchModes.Name(index.Search.Mode)} search",
            () => embedder.Embed(batch.Images), index, embedder.GridSize);
    }

    /// <summary>Synthetic mode: the backbone is timed on a random image, the search on synthetic patches drawn from the
    /// synthetic bank's own distribution (a real image's features against a synthetic bank would measure
    /// neither).</summary>
    public static LatencyFigures MeasureSynthetic(FeatureExtractor fx, LdknnIndex index, Tensor imagePatches)
    {
        using var image = rand(1, 3, fx.ImageSize, fx.ImageSize) * 255;
        var backbone = Measure("random image", () => fx.Embed(image), null, fx.GridSize);
        var search = Measure("synthetic patches", () => imagePatches.alias(), index, fx.GridSize);
        return new LatencyFigures("backbone on a random image, search on synthetic patches of the bank's distribution",
            backbone.BackboneMs + search.SearchMs, backbone.BackboneMs, search.SearchMs,
            backbone.RssGrowthMbOver50Images + search.RssGrowthMbOver50Images);
    }

    private static LatencyFigures Measure(string source, Func<Tensor> embed, LdknnIndex? index, int grid)
    {
        double backbone = 0, search = 0;
        long rssAfter10 = 0;
        const int runs = 50;
        for (int i = 0; i < runs + 2; i++)
        {
            using var scope = NewDisposeScope();
            var w = Stopwatch.StartNew();
            var f = embed();
            double b = w.Elapsed.TotalMilliseconds;
            w.Restart();
            if (index is not null)
            {
                var s = index.ScorePatches(f);
                AnomalyMaps.PixelMaps(s.reshape(1, grid, grid));
            }
            double q = w.Elapsed.TotalMilliseconds;
            if (i >= 2) { backbone += b; search += q; } // two warm-up runs
            if (i == 11) rssAfter10 = Environment.WorkingSet;
        }
        double growth = (Environment.WorkingSet - rssAfter10) / 1048576.0;
        return new LatencyFigures(source, (backbone + search) / runs, backbone / runs, search / runs, growth);
    }
}
