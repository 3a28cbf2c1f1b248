using Reb.Abstractions.Contracts;

namespace Reb.Grains.Training;

/// <summary>Persisted checkpoint of a line's bank-update job: written when it starts and after each step.</summary>
[GenerateSerializer]
public sealed class BankUpdateState
{
    [Id(0)] public string? JobId { get; set; }
    [Id(1)] public BankUpdateRequest? Request { get; set; }
    /// <summary>Queued, Embed (appended and published: <see cref="Outcome"/> is set) or Publish (registered).</summary>
    [Id(2)] public TrainingStage LastCompleted { get; set; } = TrainingStage.Queued;
    [Id(3)] public BankUpdateOutcome? Outcome { get; set; }
    [Id(4)] public string? Error { get; set; }
    [Id(5)] public bool Refused { get; set; }
    /// <summary>Times a run started (the first, and one per resume after a lost activation).</summary>
    [Id(6)] public int Runs { get; set; }
    [Id(7)] public int Resumes { get; set; }
}
