using Reb.Core.Calibration;
using System.Diagnostics;
using Reb.Core.Features;
using Reb.Core.Imaging;
using Reb.Core.Ldknn;
using Reb.Core.Metrics;
using Reb.Core.Search;
using static TorchSharp.torch;

namespace Reb.Core.Models;

/// <summary>What fitting produced besides the model: timings, sizes and the images that were skipped.</summary>
public sealed record FitReport(int TrainImages, long BankSize, long CoreSize, double EmbedSeconds, double FitSeconds,
    double CalibrationSeconds, IReadOnlyList<string> ImageNames, IReadOnlyList<SkippedImage> Skipped);

/// <summary>
/// Fits a product line on defect-free images, as public stages on plain tensors: <see cref="Embed"/> (images -> patch
/// bank), <see cref="Coreset"/> (bank rows kept as core), <see cref="Densities"/> (each core row's local density from
/// its K nearest other bank rows), <see cref="Calibrate"/> (reject threshold from good images only) and
/// <see cref="Assemble"/> (the <see cref="InspectionModel"/>; <see cref="ModelStore.Save"/> publishes it). <see
/// cref="Fit"/>
/// chains them in one process; the training grain runs the same stages with checkpoints between them and the
/// density stage fanned out to bank shards (whose per-shard neighbours it merges, then reduces with
/// <see cref="LdknnIndex.DensityFromNeighbours"/>, the same reduction as here).
/// </summary>
public static class ModelFitter
{
    public static (InspectionModel Model, FitReport Report) Fit(IReadOnlyList<string> trainImages,
        IPatchEmbedder embedder,
        InspectionOptions options, IProgress<StageProgress>? progress = null) =>
        Fit(trainImages.Select(ImageSource.FromFile).ToList(), embedder, options, progress);

    public static (InspectionModel Model, FitReport Report) Fit(IReadOnlyList<ImageSource> trainImages,
        IPatchEmbedder embedder,
        InspectionOptions options, IProgress<StageProgress>? progress = null)
    {
        options.Ldknn.Validate();
        var images = options.Shots is { } n ? trainImages.Take(n).ToList() : trainImages.ToList();

        var watch = Stopwatch.StartNew();
        var skipped = new List<SkippedImage>();
        var (bank, used, layout) = EmbedImages(images, embedder, options, skipped, progress);
        double embedSeconds = watch.Elapsed.TotalSeconds;
        try
        {
            watch.Restart();
            LdknnIndex index;
            BankNeighbours? neighbours;
            if (options.Ldknn.CoresetRatio >= 1.0)
                // No coreset: the bank prepared (and cut into cells) for the density search is the index's own; the
                // same search and reduction as below, so the same densities bit for bit.
                (index, neighbours) = BankNeighbours.Fit(bank, options.Ldknn,
                    progress is null ? null
                    : new SyncProgress<double>(f => progress.Report(new StageProgress("density", f))));
            else
            {
                var coreIdx = Coreset(bank, options.Ldknn, progress);
                var table = NeighbourDistances(bank, coreIdx, options.Ldknn, progress);
                index = CoreIndex(bank, coreIdx, LdknnIndex.DensityFromNeighbours(table), options.Ldknn);
                neighbours = KeptNeighbours(table, options.Ldknn);
            }
            double fitSeconds = watch.Elapsed.TotalSeconds;

            watch.Restart();
            var threshold = Calibrate(bank, layout, index, embedder, used, options, progress);
            double calibrationSeconds = watch.Elapsed.TotalSeconds;

            var model = new InspectionModel(embedder, index, threshold, options)
            {
                Neighbours = neighbours,
                Layout = layout
            };
            var report =
                new FitReport(used.Count, bank.shape[0], index.CoreCount, embedSeconds, fitSeconds, calibrationSeconds,
                used.Select(Path.GetFileName).ToList()!, skipped);
            return (model, report);
        }
        finally { bank.Dispose(); }
    }

    /// <summary>
    /// Embed stage: the readable images' patch features, [images * G*G, D], rows grouped by image in input order, in
    /// batches of <see cref="InspectionOptions.BatchSize"/>. Throws when no image is given or none can be read.
    /// </summary>
    public static (Tensor Bank, List<string> Used) Embed(IReadOnlyList<ImageSource> images, IPatchEmbedder embedder,
        InspectionOptions options,
        List<SkippedImage> skipped, IProgress<StageProgress>? progress = null, CancellationToken ct = default)
    {
        var e = EmbedImages(images, embedder, options, skipped, progress, ct);
        return (e.Bank, e.Used);
    }

    /// <summary>The embed stage with each image's patch grid (native-aspect mode: grids differ per image).</summary>
    public static EmbeddedImages EmbedImages(IReadOnlyList<ImageSource> images, IPatchEmbedder embedder,
        InspectionOptions options,
        List<SkippedImage> skipped, IProgress<StageProgress>? progress = null, CancellationToken ct = default)
    {
        if (images.Count == 0)
            throw new ArgumentException("no training images: a product line needs at least one defect-free image");
        var e = PatchEmbedding.EmbedWithGrids(images, embedder, options.BatchSize, skipped, progress, ct);
        if (e.Used.Count > 0) return e;
        e.Bank.Dispose();
        throw new InvalidDataException($"none of the {images.Count} training images could be read (first: " +
            $"{skipped[0].Path}: {skipped[0].Reason})");
    }

    /// <summary>The embed stage on image files, with grids.</summary>
    public static EmbeddedImages EmbedImages(IReadOnlyList<string> paths, IPatchEmbedder embedder,
        InspectionOptions options,
        List<SkippedImage> skipped, IProgress<StageProgress>? progress = null) =>
        EmbedImages(paths.Select(ImageSource.FromFile).ToList(), embedder, options, skipped, progress);

    /// <summary>The embed stage on image files.</summary>
    public static (Tensor Bank, List<string> Used) Embed(IReadOnlyList<string> paths, IPatchEmbedder embedder,
        InspectionOptions options,
        List<SkippedImage> skipped, IProgress<StageProgress>? progress = null) =>
        Embed(paths.Select(ImageSource.FromFile).ToList(), embedder, options, skipped, progress);

    /// <summary>Coreset stage: bank indices of the core rows, ascending (every row when CoresetRatio = 1).</summary>
    public static long[] Coreset(Tensor bank, LdknnOptions options, IProgress<StageProgress>? progress = null)
    {
        options.Validate();
        if (bank.shape[0] < options.K + 1)
            throw new ArgumentException(
                $"the memory bank has {bank.shape[0]} patches; K = {options.K} needs at least {options.K + 1}");
        return GreedyCoreset.Select(bank, options,
            progress is null ? null : new SyncProgress<double>(f => progress.Report(new StageProgress("coreset", f))));
    }

    /// <summary>
    /// Density stage in one process: the K ascending distances [core, K] from every core row to its nearest other bank
    /// rows (itself excluded by its index). The densities are their means (<see
    /// cref="LdknnIndex.DensityFromNeighbours"/>); the sharded fit merges the same table from its shards.
    /// </summary>
    public static Tensor NeighbourDistances(Tensor bank, long[] coreIdx, LdknnOptions options,
        IProgress<StageProgress>? progress = null)
    {
        using var scope = NewDisposeScope();
        using var full = KnnSearch.Create(KnnBank.Create(bank), options.Search, ownsBank: true, seed: options.Seed);
        var idx = tensor(coreIdx);
        var core = options.CoresetRatio >= 1.0 ? bank : bank.index_select(0, idx);
        return LdknnIndex.NeighbourDistances(full, core, idx, options.K,
            progress is null ? null : new SyncProgress<double>(f => progress.Report(new StageProgress("density", f))))
                .MoveToOuterDisposeScope();
    }

    /// <summary>The densities alone (the adaptation guard's small fits).</summary>
    public static float[] Densities(Tensor bank, long[] coreIdx, LdknnOptions options,
        IProgress<StageProgress>? progress = null)
    {
        using var table = NeighbourDistances(bank, coreIdx, options, progress);
        return LdknnIndex.DensityFromNeighbours(table);
    }

    /// <summary>
    /// The neighbour table a model keeps so that good images can be appended later without searching the old bank
    /// again (<see cref="BankUpdate"/>); only without a coreset, where the core set is the bank. Takes the table.
    /// </summary>
    public static BankNeighbours? KeptNeighbours(Tensor table, LdknnOptions options)
    {
        if (options.CoresetRatio < 1.0) { table.Dispose(); return null; }
        var kept = new BankNeighbours(table);
        if (!ReferenceEquals(kept.Distances, table)) table.Dispose();
        return kept;
    }

    /// <summary>Coreset and density stages in one process: the fitted LDKNN index of <paramref name="bank"/>.</summary>
    public static LdknnIndex FitIndex(Tensor bank, LdknnOptions options, IProgress<StageProgress>? progress = null)
    {
        if (options.CoresetRatio >= 1.0)
        {
            // No coreset: the bank prepared for the density search becomes the index's core bank (prepared once, not
            // once for the search and again for the index); the same search and reduction, so the same densities.
            var (index, neighbours) = BankNeighbours.Fit(bank, options,
                progress is null ? null
                : new SyncProgress<double>(f => progress.Report(new StageProgress("density", f))));
            neighbours.Dispose();
            return index;
        }
        var coreIdx = Coreset(bank, options, progress);
        return CoreIndex(bank, coreIdx, Densities(bank, coreIdx, options, progress), options);
    }

    /// <summary>The LDKNN index of core rows (copied out of the bank) and their densities.</summary>
    public static LdknnIndex CoreIndex(Tensor bank, long[] coreIdx, float[] density, LdknnOptions options)
    {
        Tensor core;
        using (var scope = NewDisposeScope())
            core = (coreIdx.LongLength == bank.shape[0] ? bank.clone() : bank.index_select(0, tensor(coreIdx)))
                .MoveToOuterDisposeScope();
        // Built outside any dispose scope: the index owns its tensors for as long as it lives.
        return new LdknnIndex(core, density, coreIdx, options);
    }

    /// <summary>
    /// Calibrate stage: with <see cref="InspectionOptions.Calibration"/> the threshold for a target false-reject rate
    /// from all training images scored out of fold, with DefectMaker's synthetic defects for the predicted escape rate
    /// (<see cref="Reb.Core.Calibration.TargetCalibration"/>); without it the legacy rule below.
    /// </summary>
    /// <param name="layout">each training image's patch grid in bank order (one grid in square mode).</param>
    /// <param name="used">the training images in bank order (paths: the synthetic defects are painted on them).</param>
    public static ThresholdInfo Calibrate(Tensor bank, BankLayout layout, LdknnIndex index, IPatchEmbedder embedder,
        IReadOnlyList<string> used,
        InspectionOptions options, IProgress<StageProgress>? progress = null) =>
        options.Calibration is { } target
            ? Reb.Core.Calibration.TargetCalibration.Calibrate(bank, layout, index, embedder, used, target, progress)
            : Calibrate(bank, index, layout, options, progress);

    /// <summary>
    /// The legacy rule, from defect-free images only: up to CalibrationImages training images, evenly spread, each
    /// scored against the core set WITHOUT its own patches (leave-one-image-out), so the scores behave like unseen good
    /// parts.
    /// </summary>
    public static ThresholdInfo Calibrate(Tensor bank, LdknnIndex index, BankLayout layout, InspectionOptions options,
        IProgress<StageProgress>? progress = null)
    {
        int images = layout.Images;
        int count = Math.Min(options.CalibrationImages, images);
        var scores = new List<float>();
        if (images >= 2)
        {
            for (int c = 0; c < count; c++)
            {
                int i = (int)((long)c * images / count);
                using var scope = NewDisposeScope();
                var g = layout.Grids[i];
                var queries = bank.narrow(0, layout.Start(i), g.Count);
                var patch = index.ScorePatchesExcludingBankRange(queries, layout.Start(i), layout.Start(i + 1));
                scores.Add(AnomalyMaps.ImageScores(patch.reshape(1, g.Height, g.Width))[0]);
                progress?.Report(new StageProgress("calibrate", (double)(c + 1) / count));
            }
        }
        if (scores.Count == 0)
            return new ThresholdInfo(double.PositiveInfinity, "none: fewer than 2 training images",
                options.ThresholdQuantile, options.ThresholdMargin, 0, []);
        var arr = scores.ToArray();
        double threshold = ThresholdCalibration.FromGoodScores(arr, options.ThresholdQuantile, options.ThresholdMargin);
        var sorted = arr.OrderBy(x => x).ToArray();
        double median = ThresholdCalibration.Quantile(sorted, 0.5);
        return new ThresholdInfo(threshold, "leave-one-image-out good training scores", options.ThresholdQuantile,
            options.ThresholdMargin, median, arr);
    }
}
