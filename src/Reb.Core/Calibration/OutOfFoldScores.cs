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
/// densities stay those of the full fit (they were computed with the fold's rows in the bank): a left-out fold would make
/// its neighbours' densities larger and their scores lower, so keeping them errs towards higher scores, i.e. a
/// conservative threshold, at no refit cost.
/// </summary>
public static class OutOfFoldScores
{
    /// <param name="bank">[images * grid^2, d] training patch features, grouped by image in order (the fitted bank).</param>
    public static float[] Compute(Tensor bank, LdknnIndex index, int grid, ContiguousFolds folds,
        IProgress<StageProgress>? progress = null, string stage = "calibrate")
    {
        long perImage = (long)grid * grid;
        if (bank.shape[0] != folds.Images * perImage)
            throw new ArgumentException($"the bank has {bank.shape[0]} rows, expected {folds.Images} images x {perImage} patches", nameof(bank));
        var scores = new float[folds.Images];
        for (int f = 0; f < folds.Count; f++)
        {
            var (start, end) = folds.Fold(f);
            // One image at a time keeps temporaries small; the excluded range is the whole fold.
            for (int i = start; i < end; i++)
            {
                using var scope = NewDisposeScope();
                var queries = bank.narrow(0, i * perImage, perImage);
                var patch = index.ScorePatchesExcludingBankRange(queries, start * perImage, end * perImage);
                scores[i] = AnomalyMaps.ImageScores(patch.reshape(1, grid, grid))[0];
            }
            progress?.Report(new StageProgress(stage, (double)end / folds.Images));
        }
        return scores;
    }
}
