using Reb.Core.Calibration;
using Reb.Core.Features;
using Reb.Core.Imaging;
using Reb.Core.Models;
using System.Diagnostics;
using Reb.Core.Ldknn;
using Reb.Core.Pipeline;
using static TorchSharp.torch;

namespace Reb.Core.Review;

/// <summary>`reviewFalseRejectRate` of metrics.json: half B's false-reject rate before and after half A's
/// review.</summary>
public sealed record ReviewFigures(double Before, double After, int HalfA, int HalfB, int Overturned,
    double ThresholdBefore,
    double ThresholdAfter, long BankRowsBefore, long BankRowsAfter, long AffectedOldRows, double UpdateSeconds,
    int Seed, string Method)
{
    /// <summary>Escape rate of the defective test images before and after the review (null without defects).</summary>
    public double? EscapesBefore { get; init; }
    public double? EscapesAfter { get; init; }
    public int Defects { get; init; }
    /// <summary>The recalibrated rule ("target" / "cost") and its warning, if any.</summary>
    public string? RuleAfter { get; init; }
    public string? WarningAfter { get; init; }
}

/// <summary>
/// The review loop on a labelled test split, without a person: the good test images are split in two fixed, seeded
/// halves; the false rejects among half A are "overturned" (a reviewer says: good part), their patches are appended to
/// the bank by <see cref="BankUpdate"/>, the threshold is recalibrated with the same rules over the grown bank's new
/// fold
/// groups, and half B, which the review never saw, is scored again with the updated model; so are the defective test
/// images, for the escape rate before and after.
/// </summary>
public static class ReviewHalf
{
    public static ReviewFigures Run(InspectionModel model, IReadOnlyList<(string Path, float Score)> goodTest,
        int trainImages,
        int seed, IProgress<StageProgress>? progress = null,
        IReadOnlyList<(string Path, float Score)>? defectTest = null)
    {
        defectTest ??= [];
        var calibration = model.Threshold.Calibration
            ?? throw new ArgumentException(
                "--review-half needs a model calibrated to a target false-reject rate (--target-frr > 0)");
        var neighbours = model.Neighbours
            ?? throw new NotSupportedException(
                "--review-half needs an incremental bank update, which needs a fit without coreset (--coreset 1)");
        if (goodTest.Count < 2)
            throw new ArgumentException($"--review-half needs at least 2 good test images, got {goodTest.Count}");
        var order = goodTest.OrderBy(g => g.Path, StringComparer.Ordinal).ToArray();
        new Random(seed).Shuffle(order);
        var halfA = order.Take(order.Length / 2).ToList();
        var halfB = order.Skip(order.Length / 2).ToList();
        double threshold = model.Threshold.Value;
        double before = halfB.Count(g => Verdict.IsReject(g.Score, threshold)) / (double)halfB.Count;
        var overturned = halfA.Where(g => Verdict.IsReject(g.Score, threshold)).Select(g => g.Path).ToList();
        double? escapesBefore = defectTest.Count == 0 ? null
            : defectTest.Count(d => d.Score < threshold) / (double)defectTest.Count;
        string method = "good test images split in halves (seeded shuffle of the sorted paths); half A's false " +
            "rejects appended to the bank (incremental update) and recalibrated (the grown bank regrouped into " +
            "folds); half B and the defective test images rescored";
        if (overturned.Count == 0)
            return new ReviewFigures(before, before, halfA.Count, halfB.Count, 0, threshold, threshold,
                model.Index.CoreCount,
                model.Index.CoreCount, 0, 0, seed, method + "; half A had no false rejects, nothing to learn")
            {
                EscapesBefore = escapesBefore, EscapesAfter = escapesBefore, Defects = defectTest.Count,
                RuleAfter = calibration.RuleKind, WarningAfter = calibration.Warning,
            };

        var skipped = new List<SkippedImage>();
        var (added, used, addedLayout) =
            ModelFitter.EmbedImages(overturned, model.Embedder, model.Options, skipped, progress);
        using var _added = added;
        var (index, table, stats) = BankUpdate.Append(model.Index, neighbours, added);
        using var _index = index;
        using var _table = table;

        var layout = model.LayoutOf(trainImages).Append(addedLayout.Grids);
        var record = ThresholdRule.Recalibrate(calibration, index, layout, progress, "review: recalibrate");

        double after =
            RejectedShare(halfB.Select(g => g.Path).ToList(), model, index, record.Threshold, skipped, progress);
        double? escapesAfter = defectTest.Count == 0 ? null
            : 1 - RejectedShare(defectTest.Select(d => d.Path).ToList(), model, index, record.Threshold, skipped,
                progress);
        return new ReviewFigures(before, after, halfA.Count, halfB.Count, used.Count, threshold, record.Threshold,
            stats.OldRows,
            stats.NewRows, stats.AffectedOldRows, stats.Seconds, seed, method)
        {
            EscapesBefore = escapesBefore, EscapesAfter = escapesAfter, Defects = defectTest.Count,
            RuleAfter = record.RuleKind, WarningAfter = record.Warning,
        };
    }

    /// <summary>Share of the images scoring at or above the threshold against the updated index.</summary>
    private static double RejectedShare(IReadOnlyList<string> paths, InspectionModel model, LdknnIndex index,
        double threshold,
        List<SkippedImage> skipped, IProgress<StageProgress>? progress)
    {
        var (features, scored, layout) =
            ModelFitter.EmbedImages(paths, model.Embedder, model.Options, skipped, progress);
        using var _features = features;
        int rejected = 0;
        for (int i = 0; i < scored.Count; i++)
        {
            using var scope = NewDisposeScope();
            var grid = layout.Grids[i];
            var patch = index.ScorePatches(features.narrow(0, layout.Start(i), grid.Count));
            if (Verdict.IsReject(AnomalyMaps.ImageScores(patch.reshape(1, grid.Height, grid.Width))[0], threshold))
                rejected++;
        }
        return (double)rejected / scored.Count;
    }
}
