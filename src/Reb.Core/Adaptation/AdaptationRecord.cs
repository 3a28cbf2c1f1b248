using System.Text.Json;

namespace Reb.Core.Adaptation;

/// <summary>
/// What an adaptation run did, stored with the model (<c>FeatureExtractor.AdaptationJson</c>): the recipe and seed
/// (enough to repeat it), the per-step loss and accuracy curves, and the time it took.
/// </summary>
/// <param name="Budget">Name of the budget ("cpu", "reference", "custom").</param>
/// <param name="Options">The full recipe (checkpoint folder cleared: it is a property of the machine, not of the
/// recipe).</param>
/// <param name="Seed">The seed (also in <paramref name="Options"/>; repeated for readers of the JSON).</param>
/// <param name="ImageCount">Training images the defects were made from.</param>
/// <param name="LossCurve">Mean sigmoid BCE of each optimiser step, step 1 first.</param>
/// <param name="AccuracyCurve">7-class accuracy (argmax of the logits) of each optimiser step, on its own training
/// batch.</param> <param name="Seconds">Wall time of the training loop, summed over resumed segments.</param>
/// <param name="TorchThreads">libtorch intra-op threads of the training thread.</param>
/// <param name="ResumedAtSteps">Steps after which the run was resumed from a checkpoint (empty for an uninterrupted
/// run).</param>
public sealed record AdaptationRecord(
    string Budget,
    AdaptationOptions Options,
    int Seed,
    int ImageCount,
    IReadOnlyList<double> LossCurve,
    IReadOnlyList<double> AccuracyCurve,
    double Seconds,
    int TorchThreads,
    IReadOnlyList<int> ResumedAtSteps)
{
    /// <summary>The adaptation guard's verdict on this run; null when no guard judged it.</summary>
    public AdaptationGuardVerdict? Guard { get; init; }

    /// <summary>Optimiser steps recorded.</summary>
    public int StepsDone => LossCurve.Count;

    /// <summary>The record as indented JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, AdaptationJson.Options);

    /// <summary>Reads a record written by <see cref="ToJson"/>.</summary>
    /// <exception cref="InvalidDataException">The text is not such a record.</exception>
    public static AdaptationRecord FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<AdaptationRecord>(json, AdaptationJson.Options)
                ?? throw new InvalidDataException("The adaptation record JSON is null.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Not an adaptation record: {e.Message}", e);
        }
    }
}
