using Reb.Core.Ldknn;
using Reb.Core;
using Reb.Core.Features;
using Reb.Core.Imaging;
using Reb.Core.Models;
using Reb.Core.Pipeline;
using static TorchSharp.torch;

namespace Reb.Core.Calibration;

/// <summary>
/// Image scores of every training image against the fitted core set with its WHOLE fold's bank rows excluded. The
/// densities stay those of the full fit (they were computed with the fold's rows in the bank): a left-out fold would
/// make its neighbours' densities larger and their scores lower, so keeping them errs towards higher scores, i.e. a
/// conservative threshold, at no refit cost.
/// </summary>
public static class OutOfFoldScores
{
    /// <param name="bank">training patch features, grouped by image in order (the fitted bank).</param>
    /// <param name="layout">each image's patch grid in bank order (native-aspect mode: grids differ per image).</param>
    public static float[] Compute(Tensor bank, LdknnIndex index, BankLayout layout, ContiguousFolds folds,
        IProgress<StageProgress>? progress = null, string stage = "calibrate") =>
        Compute(bank, index, layout, FoldGroups.From(folds), progress, stage);

    /// <summary>Each image scored with its whole fold (its group of near-duplicates, or itself) out of the
    /// bank.</summary>
    public static float[] Compute(Tensor bank, LdknnIndex index, BankLayout layout, FoldGroups folds,
        IProgress<StageProgress>? progress = null, string stage = "calibrate")
    {
        if (layout.Images != folds.Images)
            throw new ArgumentException($"the layout has {layout.Images} images, the folds cover {folds.Images}",
                nameof(layout));
        if (bank.shape[0] != layout.Rows)
            throw new ArgumentException(
                $"the bank has {bank.shape[0]} rows, expected {layout.Rows} for {folds.Images} images", nameof(bank));
        var scores = new float[folds.Images];
        using var scorer = new FoldScorer(index, layout, folds);
        int done = 0;
        for (int f = 0; f < folds.Count; f++)
        {
            // One image at a time keeps temporaries small; the excluded rows are the whole fold's.
            foreach (int i in folds.Members(f))
            {
                using var scope = NewDisposeScope();
                var g = layout.Grids[i];
                var queries = bank.narrow(0, layout.Start(i), g.Count);
                var patch = scorer.ScorePatches(f, queries);
                scores[i] = AnomalyMaps.ImageScores(patch.reshape(1, g.Height, g.Width))[0];
            }
            done += folds.Members(f).Count;
            progress?.Report(new StageProgress(stage, (double)done / folds.Images));
        }
        return scores;
    }
}
