using System.Diagnostics;
using Reb.Core.Artefacts;
using Reb.Core.Ldknn;
using Reb.Core.Metrics;
using static TorchSharp.torch;

namespace Reb.Core.Pipeline;

/// <summary>What fitting produced besides the model: timings, sizes and the images that were skipped.</summary>
public sealed record FitReport(int TrainImages, long BankSize, long CoreSize, double EmbedSeconds, double FitSeconds,
    double CalibrationSeconds, IReadOnlyList<string> ImageNames, IReadOnlyList<SkippedImage> Skipped);

/// <summary>
/// Fits a product line on defect-free images: embed every training image into the patch bank, fit LDKNN (coreset +
/// densities), then calibrate the reject threshold on training images scored leave-one-out.
/// </summary>
public static class ModelFitter
{
    public static (InspectionModel Model, FitReport Report) Fit(IReadOnlyList<string> trainImages, IPatchEmbedder embedder,
        InspectionOptions options, IProgress<StageProgress>? progress = null)
    {
        options.Ldknn.Validate();
        var paths = options.Shots is { } n ? trainImages.Take(n).ToList() : trainImages.ToList();
        if (paths.Count == 0) throw new ArgumentException("no training images: a product line needs at least one defect-free image");

        var watch = Stopwatch.StartNew();
        var skipped = new List<SkippedImage>();
        var (bank, used) = EmbedAll(paths, embedder, options, skipped, progress);
        if (used.Count == 0)
            throw new InvalidDataException($"none of the {paths.Count} training images could be read (first: {skipped[0].Path}: {skipped[0].Reason})");
        double embedSeconds = watch.Elapsed.TotalSeconds;

        watch.Restart();
        // Issue 14: without a coreset the same fit also keeps each row's neighbour distances (for incremental bank updates).
        LdknnIndex index;
        BankNeighbours? neighbours = null;
        if (options.Ldknn.CoresetRatio >= 1.0)
            (index, neighbours) = BankNeighbours.Fit(bank, options.Ldknn,
                progress is null ? null : new SyncProgress<double>(f => progress.Report(new StageProgress("density", f))));
        else
            index = LdknnIndex.Fit(bank, options.Ldknn,
                progress is null ? null : new SyncProgress<(string Stage, double Fraction)>(p => progress.Report(new StageProgress(p.Stage, p.Fraction))));
        double fitSeconds = watch.Elapsed.TotalSeconds;

        watch.Restart();
        // Issue 14: calibration to a target false-reject rate (src/Reb.Core/Calibration); null options = the legacy rule.
        var threshold = options.Calibration is { } target
            ? Reb.Core.Calibration.TargetCalibration.Calibrate(bank, index, embedder, used, target, progress)
            : Calibrate(bank, index, embedder.GridSize, used.Count, options, progress);
        double calibrationSeconds = watch.Elapsed.TotalSeconds;
        long bankSize = bank.shape[0];
        bank.Dispose();

        var model = new InspectionModel(embedder, index, threshold, options) { Neighbours = neighbours };
        var report = new FitReport(used.Count, bankSize, index.CoreCount, embedSeconds, fitSeconds, calibrationSeconds,
            used.Select(Path.GetFileName).ToList()!, skipped);
        return (model, report);
    }

    /// <summary>All patch features of the readable images, [images * G*G, D], rows grouped by image in order.</summary>
    public static (Tensor Bank, List<string> Used) EmbedAll(IReadOnlyList<string> paths, IPatchEmbedder embedder, InspectionOptions options,
        List<SkippedImage> skipped, IProgress<StageProgress>? progress)
    {
        long perImage = (long)embedder.GridSize * embedder.GridSize;
        var bank = empty(paths.Count * perImage, embedder.Dim);
        var used = new List<string>();
        int seen = 0;
        foreach (var batch in ImageBatches.Read(paths, options.ImageSize, options.BatchSize, s => { skipped.Add(s); }))
        {
            using (batch)
            using (var scope = NewDisposeScope())
            {
                var f = embedder.Embed(batch.Images);
                bank.narrow(0, used.Count * perImage, f.shape[0]).copy_(f);
                used.AddRange(batch.Paths);
            }
            seen = used.Count + skipped.Count;
            progress?.Report(new StageProgress("embed", (double)seen / paths.Count, Path.GetFileName(batch.Paths[^1])));
        }
        if (used.Count == paths.Count) return (bank, used);
        var trimmed = bank.narrow(0, 0, used.Count * perImage).clone();
        bank.Dispose();
        return (trimmed, used);
    }

    /// <summary>
    /// Threshold from defect-free images only: up to CalibrationImages training images, evenly spread, each scored
    /// against the core set WITHOUT its own patches (leave-one-image-out), so the scores behave like unseen good parts.
    /// </summary>
    public static ThresholdInfo Calibrate(Tensor bank, LdknnIndex index, int grid, int images, InspectionOptions options,
        IProgress<StageProgress>? progress = null)
    {
        long perImage = (long)grid * grid;
        int count = Math.Min(options.CalibrationImages, images);
        var scores = new List<float>();
        if (images >= 2)
        {
            for (int c = 0; c < count; c++)
            {
                int i = (int)((long)c * images / count);
                using var scope = NewDisposeScope();
                var queries = bank.narrow(0, i * perImage, perImage);
                var patch = index.ScorePatchesExcludingBankRange(queries, i * perImage, (i + 1) * perImage);
                scores.Add(AnomalyMaps.ImageScores(patch.reshape(1, grid, grid))[0]);
                progress?.Report(new StageProgress("calibrate", (double)(c + 1) / count));
            }
        }
        if (scores.Count == 0)
            return new ThresholdInfo(double.PositiveInfinity, "none: fewer than 2 training images", options.ThresholdQuantile, options.ThresholdMargin, 0, []);
        var arr = scores.ToArray();
        double threshold = ThresholdCalibration.FromGoodScores(arr, options.ThresholdQuantile, options.ThresholdMargin);
        var sorted = arr.OrderBy(x => x).ToArray();
        double median = ThresholdCalibration.Quantile(sorted, 0.5);
        return new ThresholdInfo(threshold, "leave-one-image-out good training scores", options.ThresholdQuantile, options.ThresholdMargin, median, arr);
    }
}
