namespace Reb.Abstractions.Contracts;

/// <summary>
/// A training job: fit a model for <see cref="Line"/> from defect-free images stored in the artefact store
/// (<see cref="ImageKeys"/>: blob keys, not bytes, so the request stays small).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record TrainingRequest
{
    [Id(0)] public required string Line { get; init; }
    [Id(1)] public required IReadOnlyList<string> ImageKeys { get; init; }
    [Id(2)] public int ImageSize { get; init; } = 256;
    [Id(3)] public int K { get; init; } = 9;
    [Id(4)] public double Lambda { get; init; } = 1.0;
    [Id(5)] public double CoresetRatio { get; init; } = 1.0;
    [Id(6)] public int Seed { get; init; }
    /// <summary>Bank shards used for the distributed density fit.</summary>
    [Id(7)] public int FitShards { get; init; } = 2;
    [Id(8)] public int CalibrationImages { get; init; } = 16;
    [Id(9)] public double ThresholdQuantile { get; init; } = 0.99;
    [Id(10)] public double ThresholdMargin { get; init; } = 0.1;
    /// <summary>Make the published version the line's current one.</summary>
    [Id(11)] public bool Promote { get; init; } = true;
}

/// <summary>Steps of a training job, in order. A job resumes after the last completed one.</summary>
public enum TrainingStage
{
    Queued = 0,
    Embed = 1,
    Coreset = 2,
    Shard = 3,
    Density = 4,
    Publish = 5,
    Completed = 6,
    Failed = 7,
    /// <summary>Stopped on request before its next step.</summary>
    Cancelled = 8,
}

/// <summary>Pollable progress of a training job.</summary>
/// <param name="Stage">Step running now (or Completed / Failed / Cancelled).</param>
/// <param name="Percent">0..100 within the running step.</param>
/// <param name="Loss">Adaptation loss when a step trains a network; null otherwise.</param>
/// <param name="Version">Published model version once Completed.</param>
/// <param name="Resumes">How many times the job resumed after its activation was lost.</param>
[GenerateSerializer, Immutable]
public sealed record TrainingProgress([property: Id(0)] string JobId, [property: Id(1)] TrainingStage Stage,
    [property: Id(2)] double Percent, [property: Id(3)] double? Loss, [property: Id(4)] string? Version,
    [property: Id(5)] string? Error, [property: Id(6)] int Resumes)
{
    public bool IsFinished => Stage is TrainingStage.Completed or TrainingStage.Failed or TrainingStage.Cancelled;
}
