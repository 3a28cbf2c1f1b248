using Reb.Core.Ldknn;
using Reb.Core;
using Reb.Core.Features;
using Reb.Core.Imaging;
using Reb.Core.Models;
using Reb.Core.Pipeline;
using Reb.Core.Search;
using static TorchSharp.torch;

namespace Reb.Core.Calibration;

/// <summary>One way of holding training images out, and what it does to their scores.</summary>
public sealed record FoldVariant(string Name, int Folds, float Mean, float Median, float P90, float Max,
    float[] Scores);

/// <summary>
/// The measurement behind the fold rule, from training images only: (1) where a left-out image
/// finds its nearest patches: the share in the 2 images either side of it (a line without near-duplicates gives about
/// 4 / (n - 1)); (2) how the out-of-fold scores grow as ever wider contiguous blocks are left out. Scores that keep
/// rising with the block width mean neighbours in the run still stand in for the left-out image.
/// </summary>
public sealed record FoldStudyResult(int Images, double NearestInAdjacentImagesShare, double ShareIfUnrelated,
    IReadOnlyList<FoldVariant> Variants);

public static class FoldStudy
{
    /// <param name="layout">each training image's patch grid in bank order (native-aspect mode: grids differ per
    /// image).</param>
    public static FoldStudyResult Run(Tensor bank, LdknnIndex index, BankLayout layout, IReadOnlyList<int> blockWidths,
        int folds,
        IProgress<StageProgress>? progress = null, float[]? foldScores = null)
    {
        if (index.CoreCount != bank.shape[0])
            throw new NotSupportedException("the fold study needs the whole bank as core set (no coreset)");
        int images = layout.Images;
        // Which image a bank row belongs to: the last image whose first row is at or before it.
        var starts = Enumerable.Range(0, images).Select(layout.Start).ToArray();
        long adjacent = 0, total = 0;
        var kb = index.Search; // the index's own search: its core set is this bank, in order
        {
            for (int i = 0; i < images; i++)
            {
                using var scope = NewDisposeScope();
                long rows = layout.RowsOf(i);
                var ranges = Enumerable.Repeat(new BankRange(layout.Start(i), layout.Start(i + 1)), (int)rows)
                    .ToArray();
                using var r = kb.Search(bank.narrow(0, layout.Start(i), rows), 1, excludeRanges: ranges);
                foreach (long idx in r.Indices.data<long>().ToArray())
                {
                    int found = Array.BinarySearch(starts, idx);
                    long other = found >= 0 ? found : ~found - 1;
                    if (Math.Abs(other - i) <= 2) adjacent++;
                    total++;
                }
                progress?.Report(new StageProgress("fold study: neighbours", (double)(i + 1) / images));
            }
        }
        int possible = Math.Min(4, images - 1);
        var variants = new List<FoldVariant>();
        foreach (int w in blockWidths.Where(w => w >= 1 && w < images))
            variants.Add(Variant(w == 1 ? "leave-one-out" : $"blocks of {w}", ContiguousFolds.Blocks(images, w)));
        // The fit already scored the fold rule: reuse those scores rather than a second pass.
        variants.Add(Variant($"{Math.Min(folds, images)} contiguous folds", ContiguousFolds.Split(images, folds),
            foldScores?.Length == images ? foldScores : null));
        return new FoldStudyResult(images, (double)adjacent / total, (double)possible / (images - 1), variants);

        FoldVariant Variant(string name, ContiguousFolds f, float[]? known = null)
        {
            var s = known ?? OutOfFoldScores.Compute(bank, index, layout, f, progress, "fold study: " + name);
            var sorted = s.Order().ToArray();
            return new FoldVariant(name, f.Count, s.Average(),
                (float)Metrics.ThresholdCalibration.Quantile(sorted, 0.5),
                (float)Metrics.ThresholdCalibration.Quantile(sorted, 0.9), sorted[^1], s);
        }
    }
}
