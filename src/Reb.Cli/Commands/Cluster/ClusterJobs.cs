using Reb.Abstractions.Contracts;
using Reb.Core.Models;
using Reb.Core.Datasets;
using Reb.Core.Imaging;
using Reb.Core;
using Reb.Core.Imaging;
using Reb.Core.Models;
using Reb.Core.Pipeline;
using Reb.Storage;

namespace Reb.Cli.Commands.Cluster;

/// <summary>The steps `fit`, `score` and `demo` share: checked line status, training through the training grain, overlays.</summary>
public static class ClusterJobs
{
    /// <summary>The line's status; an unknown line (never registered a version, never trained) is a clear error.</summary>
    public static async Task<ProductLineStatus> KnownLine(ClusterSession session, string line, CancellationToken ct)
    {
        var status = await session.Client.StatusAsync(line, refresh: true, ct);
        if (status.Versions.Count == 0 && status.Jobs.Count == 0)
            throw new ClusterCommandException($"unknown line '{line}': it has no model versions and no training jobs (run `reb cluster fit --line {line} --data <dir>`)");
        return status;
    }

    /// <summary>The line's current version; a line without one is a clear error.</summary>
    public static async Task<ProductLineStatus> WithCurrent(ClusterSession session, string line, CancellationToken ct)
    {
        var status = await KnownLine(session, line, ct);
        if (status.Current is null) throw new ClusterCommandException($"line '{line}' has no current model version (fit one or promote a registered one)");
        return status;
    }

    /// <summary>Good training images of a category folder (train/good) or, for a plain folder, all its images.</summary>
    public static IReadOnlyList<string> TrainingImages(string dir, int? shots)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"--data '{dir}' does not exist");
        if (Directory.Exists(Path.Combine(dir, "train"))) return DatasetReader.Open(dir, DatasetLayout.Auto, shots).TrainGood;
        var all = ImageFiles.List(dir, new List<string>());
        if (all.Count == 0) throw new InvalidDataException($"--data '{dir}' contains no images and no train/good folder");
        return shots is { } n ? all.Take(n).ToList() : all;
    }

    /// <summary>
    /// Uploads the images into the artefact store (the request carries keys, not bytes), starts a training job on the
    /// line, polls it until it ends, then sets the line's scoring shards. Returns the published version.
    /// </summary>
    public static async Task<string> FitAsync(ClusterSession session, string line, IReadOnlyList<string> images, int shards, int imageSize,
        IProgress<StageProgress> progress, CancellationToken ct)
    {
        if (shards is < 1 or > 64) throw new ArgumentException($"--shards must be in 1..64, got {shards}");
        var keys = new List<string>();
        for (int i = 0; i < images.Count; i++)
        {
            var key = $"datasets/{line}/{i:D5}-{Path.GetFileName(images[i])}";
            await session.Store.PutBytesAsync(key, await File.ReadAllBytesAsync(images[i], ct), ct);
            keys.Add(key);
            progress.Report(new StageProgress("upload", (i + 1.0) / images.Count));
        }
        var grain = session.Client.Line(line);
        var request = new TrainingRequest { Line = line, ImageKeys = keys, ImageSize = imageSize, FitShards = shards };
        var jobId = await session.Client.RetryAsync(() => grain.StartTraining(request), ct);
        var job = session.Grains.GetGrain<Reb.Abstractions.Grains.ITrainingGrain>(jobId);
        TrainingProgress p;
        while (!(p = await session.Client.RetryAsync(() => job.GetProgress(), ct)).IsFinished)
        {
            // Earlier stages are complete once a later one runs; bars are filled in order.
            foreach (var done in Enum.GetValues<TrainingStage>().Where(s => s >= TrainingStage.Embed && s < p.Stage))
                progress.Report(new StageProgress(StageName(done), 1));
            if (p.Stage >= TrainingStage.Embed) progress.Report(new StageProgress(StageName(p.Stage), Math.Min(0.999, p.Percent / 100)));
            await Task.Delay(250, ct);
        }
        if (p.Stage == TrainingStage.Failed) throw new ClusterCommandException($"training job {jobId} of line '{line}' failed: {p.Error}");
        foreach (var s in Enum.GetValues<TrainingStage>().Where(s => s is >= TrainingStage.Embed and <= TrainingStage.Publish))
            progress.Report(new StageProgress(StageName(s), 1));
        await grain.SetShards(shards);
        await session.Client.StatusAsync(line, refresh: true, ct);
        return p.Version!;
    }

    private static string StageName(TrainingStage s) => s switch
    {
        TrainingStage.Embed => "embed",
        TrainingStage.Coreset => "coreset",
        TrainingStage.Shard => "cluster: shard bank",
        TrainingStage.Density => "density",
        TrainingStage.Publish => "cluster: calibrate + publish",
        _ => s.ToString(),
    };

    /// <summary>
    /// The version's threshold record (for the overlay colour scale), read from a verified local copy of the model;
    /// null when the store cannot be read from here (then the overlay scales to the map itself).
    /// </summary>
    public static async Task<ThresholdInfo?> ThresholdAsync(ClusterSession session, string version, CancellationToken ct)
    {
        try
        {
            var dir = await session.Store.FetchModelAsync(version, Path.Combine(Path.GetTempPath(), "reb-cli-models"), ct);
            return ModelDirectory.ReadManifest(dir).Threshold;
        }
        catch (Exception e) when (e is not OperationCanceledException) { return null; }
    }

    /// <summary>Writes the heatmap overlay of one cluster result with the single-process renderer; returns its path.</summary>
    public static string WriteOverlay(ScoreResult r, string imagePath, ThresholdInfo? threshold, string outDir)
    {
        var scored = new ScoredImage(imagePath, r.Score, r.Reject, r.Map, r.MapSize);
        var info = threshold ?? new ThresholdInfo(r.Threshold, "cluster", 0, 0, double.NaN, []);
        var png = Path.Combine(outDir, Path.GetFileNameWithoutExtension(imagePath) + ".overlay.png");
        File.WriteAllBytes(png, OverlayRenderer.Render(scored, ImageLoader.Load(imagePath), info));
        return png;
    }
}
