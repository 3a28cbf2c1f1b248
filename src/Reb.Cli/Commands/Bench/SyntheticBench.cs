using Reb.Core.Features;
using Reb.Core.Ldknn;
using Reb.Core.Search;
using Spectre.Console;
using static TorchSharp.torch;

namespace Reb.Cli.Commands.Bench;

/// <summary>`reb bench --bank-size`: the same figures on synthetic patch-like banks (no model needed).</summary>
public static class SyntheticBench
{
    public static (List<ShapeFigures> Shapes, LatencyFigures Latency) Run(FeatureExtractor fx, long size, bool fitShape,
        int seconds)
    {
        using var scope = NewDisposeScope();
        const int dim = 512;
        var vectors = KnnSyntheticData.PatchLike(size, dim, 1);
        using var bank = KnnBank.Create(vectors);
        var shapes = new List<ShapeFigures>();
        var queries = KnnSyntheticData.PatchLike(1024, dim, 1, sampleSeed: 8);
        shapes.Add(ShapeBench.Run("scoring (synthetic)", vectors, bank, queries, 1, null, seconds));
        AnsiConsole.WriteLine(shapes[^1].ToString());
        if (fitShape)
        {
            int count = (int)Math.Min(ModelBench.FitQueries, size);
            var rows = Enumerable.Range(0, count).Select(i => (long)i * size / count).ToArray();
            var fitQueries = vectors.index_select(0, tensor(rows)).contiguous();
            shapes.Add(ShapeBench.Run("density fit (synthetic)", vectors, bank, fitQueries, 10, rows, seconds));
            AnsiConsole.WriteLine(shapes[^1].ToString());
        }
        // The LDKNN index takes ownership of its core tensor: give it its own copy.
        using var index = new LdknnIndex(vectors.clone().DetachFromDisposeScope(), new float[size],
            Enumerable.Range(0, (int)size).Select(i => (long)i).ToArray(), new LdknnOptions());
        var imagePatches = KnnSyntheticData.PatchLike((long)fx.GridSize * fx.GridSize, dim, 1, sampleSeed: 9);
        var latency = Latency.MeasureSynthetic(fx, index, imagePatches);
        AnsiConsole.WriteLine(latency.ToString());
        return (shapes, latency);
    }
}
