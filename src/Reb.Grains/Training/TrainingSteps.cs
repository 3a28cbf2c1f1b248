using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Reb.Core;
using Reb.Core.Models;
using Reb.Core.Backbones;
using Reb.Core.Features;
using Reb.Core.Imaging;
using Reb.Core.Ldknn;
using Reb.Core.Metrics;
using Reb.Core;
using Reb.Core.Features;
using Reb.Core.Imaging;
using Reb.Core.Models;
using Reb.Storage;
using Reb.Storage;
using Reb.Grains.Scoring;
using Reb.Grains.Shards;
using static TorchSharp.torch;

namespace Reb.Grains.Training;

/// <summary>
/// The steps of a training job. Each reads its inputs from and writes its outputs to the artefact store (the
/// checkpoints), so any step can run on any silo after a restart. CPU work runs on the thread pool.
/// </summary>
public sealed class TrainingSteps(string jobId, TrainingRequest request, IArtefactStore store, IGrainFactory grains,
    int maxChunkBytes, Action<double> report)
{
    private LdknnOptions Ldknn => new() { K = request.K, Lambda = request.Lambda, CoresetRatio = request.CoresetRatio, Seed = request.Seed };

    public Task Run(TrainingStage stage) => stage switch
    {
        TrainingStage.Embed => Embed(),
        TrainingStage.Coreset => Coreset(),
        TrainingStage.Shard => Shard(),
        TrainingStage.Density => Density(),
        TrainingStage.Publish => Task.CompletedTask, // the grain publishes (it needs the registry call)
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, "not a step"),
    };

    private async Task Embed()
    {
        if (request.ImageKeys.Count == 0) throw new ArgumentException($"job {jobId}: no training images");
        var watch = Stopwatch.StartNew();
        using var fx = new FeatureExtractor(Backbone.LoadDefault(), request.ImageSize);
        var rows = new List<float[]>();
        var used = new List<string>();
        int skipped = 0;
        for (int i = 0; i < request.ImageKeys.Count; i++)
        {
            var key = request.ImageKeys[i];
            var bytes = await store.GetBytesAsync(key);
            if (bytes is null) { skipped++; continue; }
            var f = await Task.Run(() =>
            {
                using var scope = NewDisposeScope();
                try
                {
                    var img = ImageResizer.ResizeRgb(ImageLoader.Decode(bytes, key), request.ImageSize).unsqueeze(0);
                    return fx.Embed(img).contiguous().data<float>().ToArray();
                }
                catch (ImageLoadException) { return null; }
            });
            if (f is null) { skipped++; continue; }
            rows.Add(f);
            used.Add(key);
            report(100.0 * (i + 1) / request.ImageKeys.Count);
        }
        if (used.Count == 0) throw new InvalidDataException($"job {jobId}: none of the {request.ImageKeys.Count} training images could be read");
        var bank = rows.SelectMany(r => r).ToArray();
        await store.PutBytesAsync(TrainingBlobs.Bank(jobId), MemoryMarshal.AsBytes(bank.AsSpan()).ToArray());
        var info = new BankCheckpoint(bank.Length / fx.Dim, fx.Dim, fx.GridSize, fx.ImageSize, used, skipped, watch.Elapsed.TotalSeconds);
        await store.PutBytesAsync(TrainingBlobs.BankInfo(jobId), JsonSerializer.SerializeToUtf8Bytes(info));
    }

    private async Task<(BankCheckpoint Info, float[] Bank)> LoadBank()
    {
        var info = JsonSerializer.Deserialize<BankCheckpoint>(await Need(TrainingBlobs.BankInfo(jobId)))!;
        var bank = MemoryMarshal.Cast<byte, float>(await Need(TrainingBlobs.Bank(jobId))).ToArray();
        if (bank.LongLength != info.Rows * info.Dim) throw new InvalidDataException($"job {jobId}: bank checkpoint has the wrong size");
        return (info, bank);
    }

    private async Task<byte[]> Need(string key) =>
        await store.GetBytesAsync(key) ?? throw new InvalidDataException($"job {jobId}: checkpoint '{key}' is missing from the artefact store");

    private async Task Coreset()
    {
        var (info, bank) = await LoadBank();
        if (info.Rows < request.K + 1) throw new ArgumentException($"job {jobId}: the bank has {info.Rows} patches; K = {request.K} needs at least {request.K + 1}");
        var idx = await Task.Run(() =>
        {
            using var t = tensor(bank).reshape(info.Rows, info.Dim);
            return GreedyCoreset.Select(t, Ldknn, new SyncProgress<double>(f => report(100 * f)));
        });
        await store.PutBytesAsync(TrainingBlobs.Coreset(jobId), MemoryMarshal.AsBytes(idx.AsSpan()).ToArray());
    }

    private async Task Shard()
    {
        var (info, bank) = await LoadBank();
        int n = request.FitShards;
        for (int i = 0; i < n; i++)
        {
            var (start, count) = new ShardKey(request.Line, ShardKey.FitPrefix + jobId, i, n).Range(info.Rows);
            var blob = TrainingBlobs.WriteBankShard(bank.AsSpan((int)(start * info.Dim), (int)(count * info.Dim)), start, info.Dim);
            await store.PutBytesAsync(TrainingBlobs.BankShard(jobId, i, n), blob);
            report(100.0 * (i + 1) / n);
        }
    }

    /// <summary>Distributed density fit: every core row's K nearest other bank rows, found by the fit shards and merged.</summary>
    private async Task Density()
    {
        var (info, bank) = await LoadBank();
        var coreIdx = MemoryMarshal.Cast<byte, long>(await Need(TrainingBlobs.Coreset(jobId))).ToArray();
        var shards = ShardKey.All(request.Line, ShardKey.FitPrefix + jobId, request.FitShards)
            .Select(k => grains.GetGrain<IBankShardGrain>(k.ToString())).ToList();
        var core = new float[coreIdx.LongLength * info.Dim];
        for (long r = 0; r < coreIdx.LongLength; r++)
            Array.Copy(bank, coreIdx[r] * info.Dim, core, r * info.Dim, info.Dim);
        var chunks = FeatureChunks.Split(core, info.Dim, maxChunkBytes);
        var density = new float[coreIdx.Length];
        int row = 0, done = 0;
        foreach (var chunk in chunks)
        {
            var exclude = coreIdx.AsSpan(row, chunk.Rows).ToArray();
            var answers = await Task.WhenAll(shards.Select(s => s.TopK(chunk, request.K, exclude)));
            var (d, _) = NearestMerge.TopK(answers, request.K);
            // Same reduction as LdknnIndex.Densities: float32 mean over the K ascending distances of each row.
            using (var t = tensor(d).reshape(chunk.Rows, request.K))
            using (var mean = t.mean([1L]))
                mean.data<float>().ToArray().CopyTo(density, row);
            row += chunk.Rows;
            report(100.0 * ++done / chunks.Count);
        }
        await store.PutBytesAsync(TrainingBlobs.Density(jobId), MemoryMarshal.AsBytes(density.AsSpan()).ToArray());
    }

    /// <summary>Builds the model from the checkpoints, calibrates its threshold, saves and publishes it; returns the version.</summary>
    public async Task<string> Publish(string workRoot)
    {
        var (info, bank) = await LoadBank();
        var coreIdx = MemoryMarshal.Cast<byte, long>(await Need(TrainingBlobs.Coreset(jobId))).ToArray();
        var density = MemoryMarshal.Cast<byte, float>(await Need(TrainingBlobs.Density(jobId))).ToArray();
        var dir = Path.Combine(workRoot, $"publish-{jobId}-{Guid.NewGuid():N}");
        try
        {
            await Task.Run(() =>
            {
                var options = new InspectionOptions
                {
                    ImageSize = info.ImageSize, Ldknn = Ldknn, CalibrationImages = request.CalibrationImages,
                    ThresholdQuantile = request.ThresholdQuantile, ThresholdMargin = request.ThresholdMargin,
                };
                using var bankT = tensor(bank).reshape(info.Rows, info.Dim);
                var core = bankT.index_select(0, tensor(coreIdx));
                var index = new LdknnIndex(core, density, coreIdx, Ldknn);
                var threshold = ModelFitter.Calibrate(bankT, index, info.GridSize, info.Images.Count, options);
                using var model = new InspectionModel(new FeatureExtractor(Backbone.LoadDefault(), info.ImageSize), index, threshold, options);
                var fit = new FitReport(info.Images.Count, info.Rows, coreIdx.Length, info.EmbedSeconds, 0, 0,
                    info.Images.Select(Path.GetFileName).ToList()!, []);
                ModelStore.Save(model, fit, request.Line, dir);
            });
            report(60);
            return await store.PublishModelAsync(dir);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Removes the job's checkpoints once its model is published.</summary>
    public async Task Cleanup(BankCheckpoint? info = null)
    {
        foreach (var key in new[] { TrainingBlobs.Bank(jobId), TrainingBlobs.BankInfo(jobId), TrainingBlobs.Coreset(jobId), TrainingBlobs.Density(jobId) })
            await store.DeleteAsync(key);
        for (int i = 0; i < request.FitShards; i++) await store.DeleteAsync(TrainingBlobs.BankShard(jobId, i, request.FitShards));
    }
}
