using Reb.Core.Calibration;
using Reb.Abstractions.Grains;
using Reb.Abstractions.Contracts;
using Reb.Core;
using Reb.Core.Imaging;
using Reb.Core.Models;
using Reb.Core.Pipeline;
using Reb.Storage;

namespace Reb.Cli.Commands.Cluster;

/// <summary>The steps `fit`, `score` and `demo` share: checked line status, training through the training grain,
/// overlays.</summary>
public static class ClusterJobs
{
    /// <summary>The line's status; an unknown line (never registered a version, never trained) is a clear
    /// error.</summary>
    public static async Task<ProductLineStatus> KnownLine(ClusterSession session, string line, CancellationToken ct)
    {
        var status = await session.Client.StatusAsync(line, refresh: true, ct);
        if (status.Versions.Count == 0 && status.Jobs.Count == 0)
            throw new ClusterCommandException($"unknown line '{line}': it has no model versions and no training jobs " +
                $"(run `reb cluster fit --line {line} --data <dir>`)");
        return status;
    }

    /// <summary>The line's current version; a line without one is a clear error.</summary>
    public static async Task<ProductLineStatus> WithCurrent(ClusterSession session, string line, CancellationToken ct)
    {
        var status = await KnownLine(session, line, ct);
        if (status.Current is null) throw new ClusterCommandException(
            $"line '{line}' has no current model version (fit one or promote a registered one)");
        return status;
    }

    /// <summary>
    /// Uploads the images into the artefact store (the request carries keys, not bytes), starts a training job on the
    /// line, polls it until it ends, then sets the line's scoring shards. Returns the published version. Each key ends
    /// in the image's own file name, which the model records, so the job's model equals `reb fit`'s on the same images.
    /// </summary>
    public static async Task<string> FitAsync(ClusterSession session, TrainingRequest template,
        IReadOnlyList<string> images,
        IProgress<StageProgress> progress, CancellationToken ct)
    {
        if (TrainingRules.CheckShards(template.FitShards, "--shards") is { } bad) throw new ArgumentException(bad);
        if (images.Count == 0) throw new ClusterCommandException("no training images");
        var keys = new List<string>();
        var batch = Guid.NewGuid().ToString("N")[..12];
        for (int i = 0; i < images.Count; i++)
        {
            var key = $"datasets/{template.Line}/{batch}/{i:D5}/{Path.GetFileName(images[i])}";
            await session.Store.PutBytesAsync(key, await File.ReadAllBytesAsync(images[i], ct), ct);
            keys.Add(key);
            progress.Report(new StageProgress("upload", (i + 1.0) / images.Count));
        }
        var line = template.Line;
        var grain = session.Client.Line(line);
        var request = template with { ImageKeys = keys };
        // Starting a job is not safe to repeat (a retry after a lost reply would start a second job): called once.
        var jobId = await grain.StartTraining(request);
        var job = session.Grains.GetGrain<Reb.Abstractions.Grains.ITrainingGrain>(jobId);
        var first = request.Adapt == AdaptMode.None ? TrainingStage.Embed : TrainingStage.Adapt;
        TrainingProgress p;
        while (!(p = await session.Client.RetryAsync(() => job.GetProgress(), ct)).IsFinished)
        {
            // Earlier stages are complete once a later one runs; bars are filled in order.
            foreach (var done in Enum.GetValues<TrainingStage>().Where(s => s >= first && s < p.Stage))
                progress.Report(new StageProgress(StageName(done), 1));
            if (p.Stage >= first)
                progress.Report(new StageProgress(StageName(p.Stage), Math.Min(0.999, p.Percent / 100), Loss: p.Loss));
            await Task.Delay(250, ct);
        }
        if (p.Stage == TrainingStage.Failed)
            throw new ClusterCommandException($"training job {jobId} of line '{line}' failed: {p.Error}");
        if (p.Stage == TrainingStage.Cancelled)
            throw new ClusterCommandException($"training job {jobId} of line '{line}' was cancelled");
        foreach (var s in Enum.GetValues<TrainingStage>().Where(s => s >= first && s <= TrainingStage.Publish))
            progress.Report(new StageProgress(StageName(s), 1));
        await grain.SetShards(request.FitShards);
        await session.Client.StatusAsync(line, refresh: true, ct);
        return p.Version!;
    }

    /// <summary>
    /// Publishes a model directory made by `reb fit` into the cluster's artefact store and registers it on the line.
    /// Every file is checked against the manifest's checksums first: a damaged copy is refused with the file's name.
    /// </summary>
    public static async Task<string> PublishAsync(ClusterSession session, string line, string modelDir, bool promote,
        CancellationToken ct)
    {
        ModelStore.ReadAndVerify(modelDir, out _); // throws ModelFormatException naming the bad file
        var version = await session.Store.PublishModelAsync(modelDir, ct);
        await session.Client.RetryAsync(() => session.Client.Line(line).RegisterVersion(version, promote), ct);
        return version;
    }

    private static string StageName(TrainingStage s) => s switch
    {
        TrainingStage.Adapt => "adapt (DefectMaker)",
        TrainingStage.Embed => "embed",
        TrainingStage.Calibrate => "calibrate",
        TrainingStage.Coreset => "coreset",
        TrainingStage.Shard => "cluster: shard bank",
        TrainingStage.Density => "density",
        TrainingStage.Publish => "publish",
        _ => s.ToString(),
    };

    /// <summary>
    /// The version's threshold record (for the overlay colour scale), read from a verified local copy of the model;
    /// null when the store cannot be read from here (then the overlay scales to the map itself).
    /// </summary>
    public static async Task<ThresholdInfo?> ThresholdAsync(ClusterSession session, string version,
        CancellationToken ct)
    {
        try
        {
            var dir =
                await session.Store.FetchModelAsync(version, Path.Combine(Path.GetTempPath(), "reb-cli-models"), ct);
            return ModelDirectory.ReadManifest(dir).Threshold;
        }
        catch (Exception e) when (e is not OperationCanceledException) { return null; }
    }

    /// <summary>
    /// Scores one image through the scoring grain and keeps the inspection in the cluster's history (row, and the image
    /// with its overlay when it is a reject or a sampled accept), as the HTTP gateway does; writes the overlay PNG into
    /// <paramref name="overlayDir"/>. Returns the result, the overlay's path and the history id.
    /// </summary>
    public static async Task<(ScoreResult Result, string Overlay, string HistoryId)> InspectAsync(
        ClusterSession session, string line,
        string imagePath, ThresholdInfo? threshold, string overlayDir, CancellationToken ct)
    {
        var bytes = await File.ReadAllBytesAsync(imagePath, ct);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var res = await session.Client.ScoreAsync(line, bytes, Path.GetFileName(imagePath), ct);
        double latencyMs = watch.Elapsed.TotalMilliseconds;
        var png = WriteOverlay(res, imagePath, threshold, overlayDir);
        // Recording is not retried blindly: a retry after a timeout could keep the same inspection twice.
        var id = await session.Grains.GetGrain<IInspectionHistoryGrain>(0)
            .Record(new InspectionToRecord(line, res.Version, res.Score,
            res.Reject, res.Threshold, latencyMs, Path.GetFileName(imagePath), bytes,
            await File.ReadAllBytesAsync(png, ct)));
        return (res, png, id);
    }

    /// <summary>Writes the heatmap overlay of one cluster result with the single-process renderer; returns its
    /// path.</summary>
    public static string WriteOverlay(ScoreResult r, string imagePath, ThresholdInfo? threshold, string outDir)
    {
        var scored = new ScoredImage(imagePath, r.Score, r.Reject, r.Map, r.MapSize)
        {
            MapHeight = r.MapHeight,
            MapWidth = r.MapWidth
        };
        // The caption shows the threshold the verdict was decided against (the line's override when it has one).
        var info =
            (threshold ?? new ThresholdInfo(r.Threshold, "cluster", 0, 0, double.NaN, [])) with { Value = r.Threshold };
        var png = Path.Combine(outDir, Path.GetFileNameWithoutExtension(imagePath) + ".overlay.png");
        File.WriteAllBytes(png, OverlayRenderer.Render(scored, ImageLoader.Load(imagePath), info));
        return png;
    }
}
