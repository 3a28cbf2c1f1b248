using Reb.Core.Calibration;
using Reb.Core.Imaging;
using Reb.Core.Ldknn;
using Reb.Core.Models;
using static TorchSharp.torch;

namespace Reb.Core.Review;

/// <summary>What appending reviewed good images to a model gave.</summary>
public sealed record BankAppendResult(ModelManifest Manifest, int Added, IReadOnlyList<SkippedImage> Skipped,
    double ThresholdBefore,
    double ThresholdAfter, long RowsBefore, long RowsAfter, long AffectedOldRows, double Seconds);

/// <summary>
/// The review loop's model step: good parts a reviewer overturned are embedded with the model's own
/// embedder, appended to its bank by <see cref="BankUpdate"/> (equal to a refit on the union, without re-embedding the
/// old images), the threshold recalibrated with the model's rules over the
/// grown bank's new fold groups (<see cref="ThresholdRule.Recalibrate"/>, as in <see cref="ReviewHalf"/>), and the
/// result saved as a new model directory. A model calibrated with the legacy rule keeps its threshold. The model passed
/// in is not changed.
/// </summary>
public static class BankAppend
{
    public static BankAppendResult AppendAndSave(InspectionModel model, IReadOnlyList<ImageSource> images,
        string outDir,
        IProgress<StageProgress>? progress = null)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var manifest = model.Manifest
            ?? throw new ArgumentException("the model has no manifest (load it from its directory)", nameof(model));
        if (model.Options.Ldknn.CoresetRatio < 1.0)
            throw new NotSupportedException("this version was fitted with a coreset: images cannot be appended to it " +
                "(BankUpdate reproduces a full refit only without a coreset); retrain the line with them instead");
        if (images.Count == 0) throw new ArgumentException("no images to add", nameof(images));

        // Each old image's patch grid: one square grid, or (native aspect) the grids the model recorded.
        int grid = model.Embedder.GridSize;
        var oldLayout = model.LayoutOf((int)(model.Index.CoreCount / ((long)grid * grid)));
        if (oldLayout.Rows != model.Index.CoreCount)
            throw new ModelFormatException(
                $"the model's bank has {model.Index.CoreCount} rows but its image grids describe {oldLayout.Rows}");

        var skipped = new List<SkippedImage>();
        var (added, used, addedLayout) =
            ModelFitter.EmbedImages(images, model.Embedder, model.Options, skipped, progress);
        using var _added = added;
        // A version saved before neighbour tables were kept: compute its table once (a density fit of the old bank).
        BankNeighbours? computed = null;
        var neighbours = model.Neighbours ?? (computed = ComputeNeighbours(model));
        using var _computed = computed;
        var (index, table, stats) = BankUpdate.Append(model.Index, neighbours, added);
        using var _index = index;
        using var _table = table;

        var layout = oldLayout.Append(addedLayout.Grids);
        int oldImages = oldLayout.Images;
        var threshold = model.Threshold;
        if (threshold.Calibration is { } cal && oldImages >= 2)
        {
            // Every review regroups the grown bank: reviewed parts that are twins of training images join their fold.
            var record = ThresholdRule.Recalibrate(cal, index, layout, progress, "bank update: recalibrate");
            threshold = TargetCalibration.ToThresholdInfo(record, record.OutOfFoldScores, ThresholdRule.OptionsOf(cal));
        }

        // The embedder stays the old model's (owned by it): the new model object is only a view for saving.
        var updated = new InspectionModel(model.Embedder, index, threshold, model.Options)
        {
            Neighbours = table,
            Layout = layout
        };
        var names = manifest.Training.ImageNames.Concat(used).ToList();
        var fit = new FitReport(manifest.Training.Images + used.Count, index.CoreCount, index.CoreCount, 0,
            watch.Elapsed.TotalSeconds, 0, names, skipped);
        var saved = ModelStore.Save(updated, fit, manifest.Category, outDir);
        return new BankAppendResult(saved, used.Count, skipped, model.Threshold.Value, threshold.Value, stats.OldRows,
            stats.NewRows,
            stats.AffectedOldRows, watch.Elapsed.TotalSeconds);
    }

    private static BankNeighbours ComputeNeighbours(InspectionModel model)
    {
        var (index, neighbours) = BankNeighbours.Fit(model.Index.CoreFeatures, model.Options.Ldknn);
        index.Dispose();
        return neighbours;
    }
}
