using Reb.Abstractions.Contracts;
using Reb.Core.Adaptation;
using Reb.Core.Imaging;
using Reb.Core.Ldknn;
using Reb.Core.Models;
using Reb.Core.Search;

namespace Reb.Grains.Training;

/// <summary>
/// A training request's settings as Core's options: the one mapping that `reb fit` (through its command-line options)
/// and the training grain both use, so the same images and settings fit the same model either way.
/// </summary>
public static class TrainingOptions
{
    public static LdknnOptions Ldknn(TrainingRequest r) => new()
    {
        K = r.K, Lambda = r.Lambda, CoresetRatio = r.CoresetRatio, Seed = r.Seed, Search = Search(r.Search),
    };

    public static InspectionOptions Inspection(TrainingRequest r) => new()
    {
        ImageSize = r.ImageSize, BatchSize = r.BatchSize, Ldknn = Ldknn(r), CalibrationImages = r.CalibrationImages,
        ThresholdQuantile = r.ThresholdQuantile, ThresholdMargin = r.ThresholdMargin,
        Calibration = r.TargetFrr <= 0 ? null : new Reb.Core.Calibration.CalibrationOptions
        {
            TargetFalseRejectRate = r.TargetFrr, Confidence = r.FrrConfidence, Folds = r.CalibrationFolds,
            SyntheticImages = r.SyntheticImages, Seed = r.Seed,
            EscapeCost = r.EscapeCost, MaxPredictedEscape = r.MaxPredictedEscape,
            MaxFalseRejectRate = r.MaxFalseRejectRate,
        },
    };

    public static SearchMode Search(SearchRequest s) => s switch
    {
        SearchRequest.Flat => SearchMode.Flat,
        SearchRequest.Cells => SearchMode.Cells,
        SearchRequest.Auto => SearchMode.Auto,
        _ => throw new ArgumentOutOfRangeException(nameof(s), s, "unknown search choice"),
    };

    /// <summary>The fixed resize mode, or null for auto (chosen from the training images' headers).</summary>
    public static ResizeMode? Resize(ResizeRequest r) => r switch
    {
        ResizeRequest.Square => ResizeMode.Square,
        ResizeRequest.Aspect => ResizeMode.Aspect,
        ResizeRequest.Auto => null,
        _ => throw new ArgumentOutOfRangeException(nameof(r), r, "unknown resize choice"),
    };

    /// <summary>The resize mode a fit on <paramref name="trainImages"/> uses.</summary>
    public static ResizeMode ResolveResize(TrainingRequest r, IReadOnlyList<string> trainImages) =>
        ResizeChoice.Resolve(Resize(r.Resize), trainImages, r.ImageSize);

    /// <summary>The guarded adaptation's settings: the run, the guard (null when off) and whether the guard's verdict
    /// decides which backbone is kept.</summary>
    public static (AdaptationOptions Run, AdaptationGuardOptions? Guard,
        bool Enforce) AdaptationSetup(TrainingRequest r) =>
        (AdaptationOptions.ForBudget(r.Budget).WithRecipe(r.AdaptRecipe) with
        {
            Seed = r.Seed,
            ImageSize = r.ImageSize
        },
         r.AdaptGuard == AdaptGuardMode.Off ? null : new AdaptationGuardOptions
         {
             Seed = r.Seed,
             ImageSize = r.ImageSize,
             Ldknn = Ldknn(r)
         },
         r.AdaptGuard == AdaptGuardMode.On);
}
