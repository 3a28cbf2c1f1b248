using Reb.Abstractions.Contracts;

namespace Reb.Grains.Training;

/// <summary>Persisted checkpoint of a training job: the request and the last step whose outputs are in the artefact
/// store.</summary>
[GenerateSerializer]
public sealed class TrainingJobState
{
    [Id(0)] public TrainingRequest? Request { get; set; }
    [Id(1)] public TrainingStage LastCompleted { get; set; } = TrainingStage.Queued;
    [Id(2)] public string? Version { get; set; }
    [Id(3)] public string? Error { get; set; }
    [Id(4)] public int Resumes { get; set; }
    [Id(5)] public int Runs { get; set; }
    /// <summary>Cancel was requested: no further step starts.</summary>
    [Id(6)] public bool Cancelled { get; set; }
    /// <summary>The published version's calibration warning ("this line needs more good images..."), if any.</summary>
    [Id(7)] public string? Warning { get; set; }
}

/// <summary>bank.json: what the embed step produced (the training list in bank order, and what was skipped).</summary>
public sealed record BankCheckpoint(long Rows, int Dim, int GridSize, int ImageSize, List<string> Images,
    List<string> Skipped,
    List<string> SkipReasons, double EmbedSeconds)
{
    /// <summary>Each image's patch grid [height, width] in bank order (native-aspect banks); null = every image
    /// GridSize x GridSize.</summary>
    public List<int[]>? Grids { get; init; }
}
