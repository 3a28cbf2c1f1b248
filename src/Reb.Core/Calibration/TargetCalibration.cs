using Reb.Core.Models;
using Reb.Core.Features;
using System.Globalization;
using Reb.Core.Ldknn;
using Reb.Core.Metrics;
using Reb.Core.Pipeline;
using static TorchSharp.torch;

namespace Reb.Core.Calibration;

/// <summary>
/// The fit's calibration stage: the training images grouped into folds by near-duplicates (<see
/// cref="ImageGrouping"/>),
/// every image scored out of fold, DefectMaker's synthetic defects scored with their source's fold out, and the
/// threshold by <see cref="ThresholdRule"/> (the target rule where it certifies, else the cost rule), all recorded in
/// the model's <see cref="ThresholdInfo"/> (Quantile = 1 - target, Margin = 0: the rule has no margin).
/// </summary>
public static class TargetCalibration
{
    /// <param name="bank">The fitted bank, grouped by image in the order of <paramref name="images"/>.</param>
    /// <param name="layout">each training image's patch grid in bank order (native-aspect mode: grids differ per
    /// image).</param>
    public static ThresholdInfo Calibrate(Tensor bank, BankLayout layout, LdknnIndex index, IPatchEmbedder embedder,
        IReadOnlyList<string> images,
        CalibrationOptions options, IProgress<StageProgress>? progress = null)
    {
        options.Validate();
        if (images.Count < 2)
            return new ThresholdInfo(double.PositiveInfinity, "none: fewer than 2 training images",
                1 - options.TargetFalseRejectRate, 0, 0, []);
        var (folds, grouping) = ImageGrouping.Group(bank, layout, options);
        var scores = OutOfFoldScores.Compute(bank, index, layout, folds, progress);
        return FromScores(scores, folds, grouping, layout, index, embedder, images, options, progress);
    }

    /// <summary>The threshold record from out-of-fold scores and the folds that produced them.</summary>
    public static ThresholdInfo FromScores(float[] scores, FoldGroups folds, FoldGroupingRecord? grouping,
        BankLayout layout,
        LdknnIndex index, IPatchEmbedder? embedder, IReadOnlyList<string>? images, CalibrationOptions options,
        IProgress<StageProgress>? progress = null)
    {
        // In native-aspect mode DefectMaker paints on the images resized by the line's own rule (its geometry, its
        // grid).
        // The synthetic scores do not depend on the threshold: they are scored first and read at whatever the rule
        // picks.
        SyntheticEscapeEstimate? synthetic = embedder is not null && images is not null && options.SyntheticImages > 0
            ? SyntheticEscape.Estimate(images, folds, layout, index, embedder, double.PositiveInfinity, options,
                progress)
            : null;
        string foldRule = grouping?.Method ?? string.Format(CultureInfo.InvariantCulture,
            "{0} folds, each image scored with its whole fold out of the bank", folds.Count);
        var record =
            ThresholdRule.Choose(scores, synthetic, options, foldRule, folds.Count) with { Grouping = grouping };
        return ToThresholdInfo(record, scores, options);
    }

    /// <summary>The model's threshold from a calibration record (Quantile = 1 - target, no margin, the scores'
    /// median).</summary>
    public static ThresholdInfo ToThresholdInfo(CalibrationRecord record, float[] scores, CalibrationOptions options)
    {
        var sorted = scores.OrderBy(x => x).ToArray();
        return new ThresholdInfo(record.Threshold, record.Rule, 1 - options.TargetFalseRejectRate, 0,
            ThresholdCalibration.Quantile(sorted, 0.5), scores) { Calibration = record };
    }
}
