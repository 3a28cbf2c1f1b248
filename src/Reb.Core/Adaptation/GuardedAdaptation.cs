using Reb.Core.Backbones;
using Reb.Core.Features;
using Reb.Core;

namespace Reb.Core.Adaptation;

/// <summary>What an adaptation run produced and whether the guard let it replace ImageNet's weights.</summary>
/// <param name="Candidate">The adaptation run (recipe, seed, curves, seconds), kept or not.</param>
/// <param name="Guard">The guard's verdict; null when the guard was switched off or had too few images to hold
/// out.</param>
/// <param name="Used">The adapted backbone is the one returned (the verdict, or a guard in report mode, allowed
/// it).</param>
public sealed record AdaptationOutcome(AdaptationRecord Candidate, AdaptationGuardVerdict? Guard, bool Used);

/// <summary>
/// Adaptation as the CLI and the cluster run it: hold out the guard's validation images, adapt on the others, let
/// <see cref="AdaptationGuard"/> choose between the adapted and the ImageNet backbone, return the chosen extractor.
/// </summary>
public static class GuardedAdaptation
{
    /// <param name="guard">Null switches the guard off: the adapted backbone is always used (and trained on every
    /// image).</param>
    /// <param name="enforce">False (ablations): hold out and judge as usual, record the verdict, but use the adapted
    /// backbone anyway.</param>
    /// <param name="onCheckpoint">called with each adaptation checkpoint folder once complete (see <see
    /// cref="AdaptationOptions.CheckpointDirectory"/>).</param> <remarks>
    /// When <see cref="AdaptationOptions.CheckpointDirectory"/> already holds a checkpoint of this run (same images,
    /// same recipe: the training grain restores it after a silo loss) the run continues from it; the result equals an
    /// uninterrupted run. Otherwise it starts afresh.
    /// </remarks>
    public static (FeatureExtractor Extractor, AdaptationOutcome Outcome) Run(IReadOnlyList<string> images,
        AdaptationOptions adaptation,
        AdaptationGuardOptions? guard, IProgress<StageProgress>? progress = null, bool enforce = true,
        CancellationToken ct = default,
        Action<string>? onCheckpoint = null, TorchSharp.torch.Device? device = null)
    {
        var (validation, others) = guard is null ? ([], images) : AdaptationGuard.Split(images, guard);
        var adapted = adaptation.CheckpointDirectory is { } dir && AdaptationCheckpoint.Exists(dir)
            ? AdaptationTrainer.Resume(dir, others, progress, ct, onCheckpoint, device)
            : AdaptationTrainer.Adapt(others, adaptation, progress, ct, onCheckpoint, device);
        var adaptedExtractor = adapted.CreateFeatureExtractor(adaptation.ImageSize, device: device);
        if (guard is null || validation.Count == 0)
            return (adaptedExtractor, new AdaptationOutcome(adapted.Record, null, Used: true));

        var imageNet = new FeatureExtractor(Backbone.Load(adaptation.Backbone), adaptation.ImageSize, device: device);
        try
        {
            var verdict = AdaptationGuard.Judge(validation, others, imageNet, adaptedExtractor,
                guard with { ImageSize = adaptation.ImageSize }, progress);
            var record = adapted.Record with { Guard = verdict };
            if (verdict.KeepAdapted || !enforce)
            {
                imageNet.Dispose();
                // The model carries the verdict with the recipe, so anyone can see why these weights were used.
                adaptedExtractor.AdaptationJson = record.ToJson();
                return (adaptedExtractor, new AdaptationOutcome(record, verdict, Used: true));
            }
            adaptedExtractor.Dispose();
            return (imageNet, new AdaptationOutcome(record, verdict, Used: false));
        }
        catch
        {
            imageNet.Dispose();
            adaptedExtractor.Dispose();
            throw;
        }
    }
}
