using Reb.Core.Features;
using Reb.Core.Imaging;
using Reb.Core.Models;
using System.Diagnostics;
using Reb.Core.Ldknn;
using Reb.Core.Pipeline;
using static TorchSharp.torch;

namespace Reb.Core.Calibration;

/// <summary>`reviewFalseRejectRate` of metrics.json: half B's false-reject rate before and after half A's review.</summary>
public sealed record ReviewFigures(double Before, double After, int HalfA, int HalfB, int Overturned, double ThresholdBefore,
    double ThresholdAfter, long BankRowsBefore, long BankRowsAfter, long AffectedOldRows, double UpdateSeconds, int Seed, string Method);

/// <summary>
/// The review loop on a labelled test split, without a person: the good test images are split in two fixed, seeded
/// halves; the false rejects among half A are "overturned" (a reviewer says: good part), their patches are appended to
/// the bank by <see cref="BankUpdate"/>, the threshold is recalibrated with the same rule (the added images form one
/// more contiguous fold), and half B, which the review never saw, is scored again with the updated model.
/// </summary>
public static class ReviewHalf
{
    public static ReviewFigures Run(InspectionModel model, IReadOnlyList<(string Path, float Score)> goodTest, int trainImages,
        int seed, IProgress<StageProgress>? progress = null)
    {
        var calibration = model.Threshold.Calibration
            ?? throw new ArgumentException("--review-half needs a model calibrated to a target false-reject rate (--target-frr > 0)");
        var neighbours = model.Neighbours
            ?? throw new NotSupportedException("--review-half needs an incremental bank update, which needs a fit without coreset (--coreset 1)");
        if (goodTest.Count < 2) throw new ArgumentException($"--review-half needs at least 2 good test images, got {goodTest.Count}");
        var order = goodTest.OrderBy(g => g.Path, StringComparer.Ordinal).ToArray();
        new Random(seed).Shuffle(order);
        var halfA = order.Take(order.Length / 2).ToList();
        var halfB = order.Skip(order.Length / 2).ToList();
        double threshold = model.Threshold.Value;
        double before = halfB.Count(g => g.Score >= threshold) / (double)halfB.Count;
        var overturned = halfA.Where(g => g.Score >= threshold).Select(g => g.Path).ToList();
        string method = "good test images split in halves (seeded shuffle of the sorted paths); half A's false rejects appended to the bank (incremental update) and recalibrated (they form one more fold); half B rescored";
        if (overturned.Count == 0)
            return new ReviewFigures(before, before, halfA.Count, halfB.Count, 0, threshold, threshold, model.Index.CoreCount,
                model.Index.CoreCount, 0, 0, seed, method + "; half A had no false rejects, nothing to learn");

        var skipped = new List<SkippedImage>();
        var (added, used, addedLayout) = ModelFitter.EmbedImages(overturned, model.Embedder, model.Options, skipped, progress);
        using var _added = added;
        var (index, table, stats) = BankUpdate.Append(model.Index, neighbours, added);
        using var _index = index;
        using var _table = table;

        var options = new CalibrationOptions
        {
            TargetFalseRejectRate = calibration.TargetFalseRejectRate, Confidence = calibration.Confidence, Folds = calibration.Folds,
            SyntheticImages = 0,
        };
        var folds = ContiguousFolds.Split(trainImages, calibration.Folds).WithBlock(used.Count);
        var layout = model.LayoutOf(trainImages).Append(addedLayout.Grids);
        var scores = OutOfFoldScores.Compute(index.CoreFeatures, index, layout, folds, progress, "review: recalibrate");
        var record = TargetThreshold.FromScores(scores, options, calibration.FoldRule + " + 1 fold of reviewed images", folds.Count);

        var (features, scoredB, layoutB) = ModelFitter.EmbedImages(halfB.Select(g => g.Path).ToList(), model.Embedder, model.Options, skipped, progress);
        using var _features = features;
        int rejected = 0;
        for (int i = 0; i < scoredB.Count; i++)
        {
            using var scope = NewDisposeScope();
            var grid = layoutB.Grids[i];
            var patch = index.ScorePatches(features.narrow(0, layoutB.Start(i), grid.Count));
            if (AnomalyMaps.ImageScores(patch.reshape(1, grid.Height, grid.Width))[0] >= record.Threshold) rejected++;
        }
        double after = (double)rejected / scoredB.Count;
        return new ReviewFigures(before, after, halfA.Count, halfB.Count, used.Count, threshold, record.Threshold, stats.OldRows,
            stats.NewRows, stats.AffectedOldRows, stats.Seconds, seed, method);
    }
}
