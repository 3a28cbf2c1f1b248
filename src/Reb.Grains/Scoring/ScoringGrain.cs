using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Reb.Core.Models;
using Reb.Storage;
using Reb.Core.Imaging;
using Reb.Core.Ldknn;
using Reb.Grains.Diagnostics;
using Reb.Grains.Hosting;
using Reb.Grains.Models;
using Reb.Grains.Placement;
using Reb.Grains.Shards;
using Reb.Grains.Compute;
using static TorchSharp.torch;

namespace Reb.Grains.Scoring;

/// <summary>
/// Stateless scoring worker. Embeds on this silo (backbone cached per version), sends the patch features in bounded
/// chunks to every shard of the version at once, merges the nearest cores, then applies the single-process code:
/// <see cref="LdknnIndex.PatchScores"/>, <see cref="AnomalyMaps.ImageScores"/> and <see cref="AnomalyMaps.PixelMaps"/>.
/// </summary>
[StatelessWorker]
[PreferGpuPlacement]
public sealed class ScoringGrain(SiloModelCache models, ComputeGate compute, IOptions<RebOptions> options) : Grain, IScoringGrain
{
    public async Task<ScoreResult> Score(ScoreRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Shards < 1) throw new ArgumentOutOfRangeException(nameof(request), request.Shards, "shards must be at least 1");
        LocalModel model;
        CachedEmbedder embedder;
        try
        {
            model = await models.GetAsync(request.Version);
            embedder = await models.GetEmbedderAsync(request.Version);
        }
        catch (Exception e) when (e is ModelFormatException or ModelNotFoundException) { throw new ModelVersionException($"line '{request.Line}': {e.Message}"); }
        var m = model.Manifest;

        float[] features = await Embed(embedder, compute, request);
        var shards = ShardKey.All(request.Line, request.Version, request.Shards)
            .Select(k => GrainFactory.GetGrain<IBankShardGrain>(k.ToString())).ToList();
        var chunks = FeatureChunks.Split(features, m.Features.Dim, options.Value.MaxChunkBytes);
        // Every chunk goes to every shard concurrently; the merge needs all shards of a chunk.
        var merged = await Task.WhenAll(chunks.Select(async c =>
        {
            var nearest = await RebMetrics.TimeAsync(RebMetrics.Stages.Search, request.Line, Task.WhenAll(shards.Select(s => s.Nearest(c))));
            return RebMetrics.Time(RebMetrics.Stages.Merge, request.Line, () => NearestMerge.Nearest(nearest));
        }));

        var distance = merged.SelectMany(x => x.Distance).ToArray();
        var density = merged.SelectMany(x => x.Density).ToArray();
        return await compute.RunAsync(() => RebMetrics.Time(RebMetrics.Stages.Score, request.Line, () => Finish(request, m, distance, density)));
    }

    private static async Task<float[]> Embed(CachedEmbedder embedder, ComputeGate compute, ScoreRequest request)
    {
        await embedder.Gate.WaitAsync();
        try
        {
            return await compute.RunAsync(() =>
            {
                using var scope = NewDisposeScope();
                long start = System.Diagnostics.Stopwatch.GetTimestamp();
                var image = ImageLoader.Decode(request.Image, request.Name);
                var resized = ImageResizer.ResizeRgb(image, embedder.Extractor.ImageSize).unsqueeze(0);
                RebMetrics.RecordStage(RebMetrics.Stages.Decode, request.Line, start);
                start = System.Diagnostics.Stopwatch.GetTimestamp();
                var features = embedder.Extractor.Embed(resized).contiguous().data<float>().ToArray();
                RebMetrics.RecordStage(RebMetrics.Stages.Embed, request.Line, start);
                return features;
            });
        }
        finally { embedder.Gate.Release(); }
    }

    /// <summary>The single-process scoring rule on the merged nearest cores (density looked up per query).</summary>
    private static ScoreResult Finish(ScoreRequest request, ModelManifest m, float[] distance, float[] density)
    {
        using var scope = NewDisposeScope();
        int g = m.Features.GridSize;
        // density[] is already per query, so the "nearest index" of query i is i: the same arithmetic as
        // LdknnIndex.ScorePatches, d2 - lambda * density[nearest].
        var scores = LdknnIndex.PatchScores(tensor(distance), arange(distance.Length, dtype: ScalarType.Int64), density, m.Ldknn.Lambda);
        var maps = scores.reshape(1, g, g);
        float score = AnomalyMaps.ImageScores(maps)[0];
        var pixel = AnomalyMaps.PixelMaps(maps, m.Features.ImageSize);
        var map = pixel[0].contiguous().data<float>().ToArray();
        return new ScoreResult(request.Line, request.Version, request.Name, score, score >= m.Threshold.Value, m.Threshold.Value,
            m.Features.ImageSize, map, request.Shards);
    }
}
