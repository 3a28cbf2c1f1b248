using Reb.Core.Calibration;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Reb.Core;
using Reb.Core.Adaptation;
using Reb.Core.Backbones;
using Reb.Core.Features;
using Reb.Core.Imaging;
using Reb.Core.Ldknn;
using Reb.Core.Models;
using Reb.Storage;
using Reb.Grains.Models;
using Reb.Grains.Fanout;
using static TorchSharp.torch;

namespace Reb.Grains.Training;

/// <summary>
/// The steps of a training job: REB's whole pipeline (adapt -> embed -> coreset -> shard -> density -> calibrate ->
/// publish) as the core's own stages (<see cref="GuardedAdaptation"/>, <see cref="ModelFitter"/>, <see
/// cref="ModelStore"/>),
/// with the job's data moved between them. Each step writes its output to the artefact store (the checkpoints) and
/// keeps it in memory for the next step of this activation, so the bank crosses the store once on the way in and is
/// read back only after a silo loss. Adaptation checkpoints go to the store every few optimiser steps, so a lost silo
/// resumes mid-adaptation on another one. CPU/GPU work runs on the thread pool.
/// </summary>
public sealed class TrainingSteps(string jobId, TrainingRequest request, SiloModelCache models, IGrainFactory grains,
    int maxChunkBytes, Action<double, double?> report) : IDisposable
{
    private IArtefactStore Store => models.Artefacts;
    private string WorkDir => Path.Combine(models.CacheRoot, "jobs", jobId);

    // What earlier steps of this activation produced (null after a silo loss: read back from the checkpoints).
    private List<string>? _images;
    private FeatureExtractor? _embedder;
    private Tensor? _bank;
    private BankCheckpoint? _bankInfo;
    private long[]? _coreIdx;
    private float[]? _neighbours;
    private ThresholdInfo? _threshold;

    private LdknnOptions Ldknn => TrainingOptions.Ldknn(request);

    /// <summary>The same settings `reb fit` fits with (one mapping, <see cref="TrainingOptions"/>).</summary>
    private InspectionOptions Inspection => TrainingOptions.Inspection(request);

    /// <summary>The published threshold's warning (set by <see cref="Publish"/>).</summary>
    public string? CalibrationWarning { get; private set; }

    private IProgress<StageProgress> Progress => new SyncProgress<StageProgress>(p => report(100 * p.Fraction, p.Loss));

    public Task Run(TrainingStage stage, CancellationToken ct) => stage switch
    {
        TrainingStage.Adapt => Adapt(ct),
        TrainingStage.Embed => Embed(ct),
        TrainingStage.Coreset => Coreset(),
        TrainingStage.Shard => Shard(),
        TrainingStage.Density => Density(),
        TrainingStage.Calibrate => Calibrate(),
        TrainingStage.Publish => Task.CompletedTask, // the grain publishes (it needs the registry call)
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, "not a step"),
    };

    /// <summary>
    /// The training images as local files, in request order, once per activation: adaptation and the image decoder
    /// read files, and DefectMaker's cut-paste draws from the same list. Each keeps its uploaded file name (the model
    /// records the names), in a folder of its own so equal names cannot collide.
    /// </summary>
    private async Task<List<string>> Images()
    {
        if (_images is not null) return _images;
        if (request.ImageKeys.Count == 0) throw new ArgumentException($"job {jobId}: no training images");
        var folder = Path.Combine(WorkDir, "images");
        var paths = new List<string>();
        for (int i = 0; i < request.ImageKeys.Count; i++)
        {
            var key = request.ImageKeys[i];
            var path = Path.Combine(folder, i.ToString("D6"), Path.GetFileName(key));
            if (!File.Exists(path))
            {
                // A key that vanished from the store becomes a missing file, which the stages report like any
                // unreadable image.
                var bytes = await Store.GetBytesAsync(key);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                if (bytes is not null)
                {
                    var temp = path + ".part";
                    await File.WriteAllBytesAsync(temp, bytes);
                    File.Move(temp, path, overwrite: true);
                }
            }
            paths.Add(path);
        }
        return _images = paths;
    }

    private async Task Adapt(CancellationToken ct)
    {
        if (request.Adapt == AdaptMode.None) return;
        var images = await Images();
        var checkpoints = Path.Combine(WorkDir, "adapt");
        await RestoreAdaptCheckpoint(checkpoints);
        var (run, guard, enforce) = TrainingOptions.AdaptationSetup(request);
        var adaptation = run with { CheckpointDirectory = checkpoints };
        var (extractor, outcome) = await Task.Run(() => GuardedAdaptation.Run(images, adaptation, guard, Progress,
            enforce, ct, onCheckpoint: folder => SaveAdaptCheckpoint(folder).GetAwaiter().GetResult(),
            device: models.Device), ct);
        // Adaptation trains on square images; the line's resize mode applies to the embed stage after it (as `reb
        // fit`).
        extractor.Resize = await Resize();
        _embedder = extractor;
        if (outcome.Used)
        {
            var weights = Path.Combine(WorkDir, "backbone.weights");
            extractor.Backbone.SaveWeights(weights);
            await Store.PutBytesAsync(TrainingBlobs.AdaptedWeights(jobId), await File.ReadAllBytesAsync(weights));
        }
        await Store.PutBytesAsync(TrainingBlobs.Adaptation(jobId),
            System.Text.Encoding.UTF8.GetBytes(outcome.Used ? extractor.AdaptationJson ?? outcome.Candidate.ToJson()
                : ImageNetMarker));
    }

    private const string ImageNetMarker = "imagenet";

    private static readonly string[] CheckpointFiles =
        [AdaptationCheckpoint.NetworkFile, AdaptationCheckpoint.OptimizerFile, AdaptationCheckpoint.StateFile];

    /// <summary>
    /// Copies a finished adaptation checkpoint to the store under its own step folder, then points the "latest" marker
    /// at it, then deletes the older one: a silo lost mid-copy leaves the previous checkpoint whole and the marker on
    /// it. </summary>
    private async Task SaveAdaptCheckpoint(string folder)
    {
        var step = Path.GetFileName(folder);
        foreach (var file in CheckpointFiles)
            await Store.PutBytesAsync(TrainingBlobs.AdaptCheckpoint(jobId, $"{step}/{file}"),
                await File.ReadAllBytesAsync(Path.Combine(folder, file)));
        var latest = TrainingBlobs.AdaptCheckpoint(jobId, "latest");
        var previous = await Store.GetBytesAsync(latest);
        await Store.PutBytesAsync(latest, System.Text.Encoding.UTF8.GetBytes(step));
        if (previous is not null && System.Text.Encoding.UTF8.GetString(previous) is var old && old != step)
            foreach (var file in CheckpointFiles)
                await Store.DeleteAsync(TrainingBlobs.AdaptCheckpoint(jobId, $"{old}/{file}"));
    }

    /// <summary>After a silo loss: the newest complete checkpoint from the store into the local checkpoint folder,
    /// where the trainer resumes from it.</summary>
    private async Task RestoreAdaptCheckpoint(string checkpoints)
    {
        if (AdaptationCheckpoint.Exists(checkpoints)) return;
        var marker = await Store.GetBytesAsync(TrainingBlobs.AdaptCheckpoint(jobId, "latest"));
        if (marker is null) return;
        var step = System.Text.Encoding.UTF8.GetString(marker);
        var folder = Path.Combine(checkpoints, step);
        var temp = folder + ".restore";
        Directory.CreateDirectory(temp);
        foreach (var file in CheckpointFiles)
            await File.WriteAllBytesAsync(Path.Combine(temp, file),
                await Need(TrainingBlobs.AdaptCheckpoint(jobId, $"{step}/{file}")));
        Directory.Move(temp, folder);
    }

    /// <summary>The job's patch embedder: the adapted backbone when the adapt step kept it, else ImageNet's.</summary>
    private async Task<FeatureExtractor> Embedder()
    {
        if (_embedder is not null) return _embedder;
        var outcome = request.Adapt == AdaptMode.None ? null
            : await Store.GetBytesAsync(TrainingBlobs.Adaptation(jobId));
        var json = outcome is null ? null : System.Text.Encoding.UTF8.GetString(outcome);
        string? weights = null;
        if (json is not null && json != ImageNetMarker)
        {
            weights = Path.Combine(WorkDir, "backbone.weights");
            Directory.CreateDirectory(WorkDir);
            await File.WriteAllBytesAsync(weights, await Need(TrainingBlobs.AdaptedWeights(jobId)));
        }
        return _embedder = ModelStore.LoadEmbedder(BackboneSpec.ResNet18, weights, weights is null ? null : json,
            request.ImageSize, device: models.Device,
            resize: await Resize());
    }

    /// <summary>The request's resize mode; "auto" decided from the job's training images, as `reb fit` decides
    /// it.</summary>
    private async Task<ResizeMode> Resize() => TrainingOptions.ResolveResize(request, await Images());

    private async Task Embed(CancellationToken ct)
    {
        var images = (await Images()).Select(ImageSource.FromFile).ToList();
        var embedder = await Embedder();
        var watch = Stopwatch.StartNew();
        var skipped = new List<SkippedImage>();
        var (bank, used, layout) =
            await Task.Run(() => ModelFitter.EmbedImages(images, embedder, Inspection, skipped, Progress, ct), ct);
        _bank?.Dispose();
        _bank = bank;
        await Store.PutBytesAsync(TrainingBlobs.Bank(jobId), TensorBytes(bank));
        _bankInfo = new BankCheckpoint(bank.shape[0], embedder.Dim, embedder.GridSize, embedder.ImageSize,
            used.Select(Path.GetFileName).ToList()!, skipped.Select(s => Path.GetFileName(s.Path)).ToList(),
            skipped.Select(s => s.Reason).ToList(), watch.Elapsed.TotalSeconds)
        {
            // The grids travel with the bank: calibration cuts it per image after a silo loss too.
            Grids = embedder.Resize == ResizeMode.Square ? null
                : layout.Grids.Select(g => new[] { g.Height, g.Width }).ToList(),
        };
        await Store.PutBytesAsync(TrainingBlobs.BankInfo(jobId), JsonSerializer.SerializeToUtf8Bytes(_bankInfo));
    }

    private static byte[] TensorBytes(Tensor t)
    {
        using var c = t.contiguous();
        return c.bytes.ToArray();
    }

    private async Task<(BankCheckpoint Info, Tensor Bank)> Bank()
    {
        if (_bank is not null && _bankInfo is not null) return (_bankInfo, _bank);
        var info = await TrainingBlobs.ReadBankInfo(Store, jobId);
        var values = TensorFiles.AsFloats(await Need(TrainingBlobs.Bank(jobId)));
        if (values.LongLength != info.Rows * info.Dim)
            throw new InvalidDataException($"job {jobId}: bank checkpoint has the wrong size");
        _bank = tensor(values).reshape(info.Rows, info.Dim);
        _bankInfo = info;
        return (info, _bank);
    }

    private async Task<byte[]> Need(string key) =>
        await Store.GetBytesAsync(key)
        ?? throw new InvalidDataException($"job {jobId}: checkpoint '{key}' is missing from the artefact store");

    private async Task Coreset()
    {
        var (_, bank) = await Bank();
        _coreIdx = await Task.Run(() => ModelFitter.Coreset(bank, Ldknn, Progress));
        await Store.PutBytesAsync(TrainingBlobs.Coreset(jobId), MemoryMarshal.AsBytes(_coreIdx.AsSpan()).ToArray());
    }

    private async Task<long[]> CoreIdx() =>
        _coreIdx ??= TensorFiles.AsLongs(await Need(TrainingBlobs.Coreset(jobId)));

    /// <summary>Slices of the bank for the fit shards: raw float32 rows, the ranges of <see
    /// cref="ShardKey.Range"/>.</summary>
    private async Task Shard()
    {
        var (info, bank) = await Bank();
        int n = request.FitShards;
        for (int i = 0; i < n; i++)
        {
            var (start, count) = new ShardKey(request.Line, ShardKey.FitPrefix + jobId, i, n).Range(info.Rows);
            await Store.PutBytesAsync(TrainingBlobs.BankShard(jobId, i, n), TensorBytes(bank.narrow(0, start, count)));
            report(100.0 * (i + 1) / n, null);
        }
    }

    /// <summary>
    /// The density stage fanned out: every core row's K nearest other bank rows, found by the fit shards, merged
    /// (global top K), then the core's one reduction <see cref="LdknnIndex.DensityFromNeighbours"/>.
    /// </summary>
    private async Task Density()
    {
        var (info, bank) = await Bank();
        var coreIdx = await CoreIdx();
        var shards = ShardKey.All(request.Line, ShardKey.FitPrefix + jobId, request.FitShards)
            .Select(k => grains.GetGrain<IBankShardGrain>(k.ToString())).ToList();
        float[] core;
        using (var idx = tensor(coreIdx))
        using (var rows = bank.index_select(0, idx).contiguous())
            core = rows.data<float>().ToArray();
        var chunks = FeatureChunks.Split(core, info.Dim, maxChunkBytes);
        var table = new float[coreIdx.LongLength * request.K];
        int row = 0, done = 0;
        foreach (var chunk in chunks)
        {
            var exclude = coreIdx.AsSpan(row, chunk.Rows).ToArray();
            var answers = await Task.WhenAll(shards.Select(s => s.TopK(chunk, request.K, exclude)));
            var (d, _) = NearestMerge.TopK(answers, request.K);
            Array.Copy(d, 0, table, (long)row * request.K, (long)chunk.Rows * request.K);
            row += chunk.Rows;
            report(100.0 * ++done / chunks.Count, null);
        }
        // The merged neighbour table: the densities are its means (the core's one reduction), and a model without a
        // coreset keeps it, as `reb fit` does, for later bank updates.
        _neighbours = table;
        await Store.PutBytesAsync(TrainingBlobs.Neighbours(jobId), MemoryMarshal.AsBytes(table.AsSpan()).ToArray());
    }

    private async Task<float[]> NeighbourTable() =>
        _neighbours ??= TensorFiles.AsFloats(await Need(TrainingBlobs.Neighbours(jobId)));

    private async Task<float[]> Densities()
    {
        using var t = tensor(await NeighbourTable()).reshape(-1, request.K);
        return LdknnIndex.DensityFromNeighbours(t);
    }

    /// <summary>Each bank image's patch grid: recorded per image in native-aspect mode, else one square grid.</summary>
    private static BankLayout LayoutOf(BankCheckpoint info) =>
        info.Grids is { } grids ? new BankLayout(grids.Select(g => new PatchGrid(g[0], g[1])).ToList())
            : BankLayout.Uniform(info.Images.Count, PatchGrid.Square(info.GridSize));

    private async Task Calibrate()
    {
        var (info, bank) = await Bank();
        var coreIdx = await CoreIdx();
        var density = await Densities();
        var embedder = await Embedder();
        var images = await Images();
        // the bank's images, in bank order
        var used = images.Where(p => !info.Skipped.Contains(Path.GetFileName(p))).ToList();
        var layout = LayoutOf(info);
        _threshold = await Task.Run(() =>
        {
            using var index = ModelFitter.CoreIndex(bank, coreIdx, density, Ldknn);
            return ModelFitter.Calibrate(bank, layout, index, embedder, used, Inspection, Progress);
        });
        await Store.PutBytesAsync(TrainingBlobs.Threshold(jobId), JsonSerializer.SerializeToUtf8Bytes(_threshold));
    }

    /// <summary>Assembles the model from the checkpoints, writes the model directory (the core's one writer), publishes
    /// it; returns the version.</summary>
    public async Task<string> Publish()
    {
        var (info, bank) = await Bank();
        var coreIdx = await CoreIdx();
        var density = await Densities();
        var neighbours = await NeighbourTable();
        var threshold = _threshold
            ?? JsonSerializer.Deserialize<ThresholdInfo>(await Need(TrainingBlobs.Threshold(jobId)))!;
        CalibrationWarning = threshold.Calibration?.Warning;
        var embedder = await Embedder();
        var dir = Path.Combine(WorkDir, $"publish-{Guid.NewGuid():N}");
        try
        {
            await Task.Run(() =>
            {
                var index = ModelFitter.CoreIndex(bank, coreIdx, density, Ldknn);
                // The model takes the embedder; this activation's copy is handed over and not disposed twice.
                _embedder = null;
                var table = tensor(neighbours).reshape(-1, request.K);
                using var model = new InspectionModel(embedder, index, threshold, Inspection)
                    { Neighbours = ModelFitter.KeptNeighbours(table, Ldknn), Layout = LayoutOf(info) };
                var skipped = info.Skipped.Zip(info.SkipReasons, (p, r) => new SkippedImage(p, r)).ToList();
                var fit = new FitReport(info.Images.Count, info.Rows, coreIdx.Length, info.EmbedSeconds, 0, 0,
                    info.Images, skipped);
                ModelStore.Save(model, fit, request.CategoryOrLine, dir);
            });
            report(60, null);
            return await Store.PublishModelAsync(dir);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Removes the job's checkpoints and local files once its model is published.</summary>
    /// <summary>Removes the job's working folder on this silo (its checkpoints in the store go with
    /// <see cref="TrainingBlobs.DeleteAllAsync"/>).</summary>
    public void Cleanup()
    {
        try { if (Directory.Exists(WorkDir)) Directory.Delete(WorkDir, recursive: true); }
        catch (IOException) { } // best effort: the silo's cache folder is removed with the silo anyway
    }

    public void Dispose()
    {
        _bank?.Dispose();
        _embedder?.Dispose();
    }
}
