using Reb.Core.Calibration;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Reb.Core.Features;
using Reb.Core.Imaging;
using Reb.Core.Ldknn;
using Reb.Core.Models;
using Reb.Storage;
using Reb.Grains.Diagnostics;
using Reb.Grains.Fanout;
using Reb.Grains.Hosting;
using Reb.Grains.Models;
using Reb.Grains.Placement;
using Reb.Grains.Shards;

namespace Reb.Grains.Scoring;

/// <summary>
/// Stateless scoring worker. Moves data between the core's stages and holds no method code: embeds with
/// <see cref="PatchEmbedding.EmbedOne"/> (the version's backbone, cached per silo), sends the patch features in bounded
/// chunks to every shard of the version at once, merges the nearest cores, turns them into the image score and map
/// with <see cref="AnomalyMaps.ScoreFromNearest"/> and the verdict with <see cref="Verdict"/>.
/// </summary>
[StatelessWorker]
[PreferGpuPlacement]
public sealed class ScoringGrain(SiloModelCache models, IOptions<RebOptions> options) : Grain, IScoringGrain
{
    public async Task<ScoreResult> Score(ScoreRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Shards < 1)
            throw new ArgumentOutOfRangeException(nameof(request), request.Shards, "shards must be at least 1");
        LocalModel model;
        CachedEmbedder embedder;
        try
        {
            model = await models.GetAsync(request.Version);
            embedder = await models.GetEmbedderAsync(request.Version);
        }
        catch (Exception e) when (ModelVersionErrors.From(e, request.Version,
            $"line '{request.Line}'") is { } error) { throw error; }
        var m = model.Manifest;

        // The image's patch grid and resized size stay with its features: native-aspect images have their own.
        var (features, grid, height, width) = await Embed(embedder, request);
        var shards = ShardKey.All(request.Line, request.Version, request.Shards)
            .Select(k => GrainFactory.GetGrain<IBankShardGrain>(k.ToString())).ToList();
        var chunks = FeatureChunks.Split(features, m.Features.Dim, options.Value.MaxChunkBytes);
        // Every chunk goes to every shard concurrently; the merge needs all shards of a chunk.
        var merged = await Task.WhenAll(chunks.Select(async c =>
        {
            var nearest = await RebMetrics.TimeAsync(RebMetrics.Stages.Search, request.Line,
                Task.WhenAll(shards.Select(s => s.Nearest(c))));
            return RebMetrics.Time(RebMetrics.Stages.Merge, request.Line, () => NearestMerge.Nearest(nearest));
        }));

        var distance = merged.SelectMany(x => x.Distance).ToArray();
        var density = merged.SelectMany(x => x.Density).ToArray();
        var (score, map) = await Task.Run(() => RebMetrics.Time(RebMetrics.Stages.Score, request.Line,
            () => AnomalyMaps.ScoreFromNearest(distance, density, m.Ldknn.Lambda, grid, height, width)));
        double threshold = Verdict.EffectiveThreshold(m.Threshold.Value, request.ThresholdOverride);
        return new ScoreResult(request.Line, request.Version, request.Name, score, Verdict.IsReject(score, threshold),
            threshold,
            m.Features.ImageSize, map, request.Shards) { MapHeight = height, MapWidth = width };
    }

    /// <summary>The core's embed stage on this silo's device, one forward pass at a time per cached backbone.</summary>
    private static async Task<(float[] Features, PatchGrid Grid, int Height, int Width)> Embed(CachedEmbedder embedder,
        ScoreRequest request)
    {
        await embedder.Gate.WaitAsync();
        try
        {
            return await Task.Run(() =>
            {
                long start = System.Diagnostics.Stopwatch.GetTimestamp();
                var e = PatchEmbedding.EmbedOneWithGrid(ImageSource.FromBytes(request.Name, request.Image),
                    embedder.Extractor,
                    decoded: () => { RebMetrics.RecordStage(RebMetrics.Stages.Decode, request.Line, start); start =
                        System.Diagnostics.Stopwatch.GetTimestamp(); });
                using var features = e.Features;
                RebMetrics.RecordStage(RebMetrics.Stages.Embed, request.Line, start);
                return (features.contiguous().data<float>().ToArray(), e.Grid, e.Height, e.Width);
            });
        }
        finally { embedder.Gate.Release(); }
    }
}
