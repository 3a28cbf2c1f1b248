namespace Reb.Abstractions.Contracts;

/// <summary>
/// Reviewed good parts to append to a line's bank: the version they are added to and each inspection's stored image
/// (the gateway checked every one against the history before asking).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record BankUpdateRequest([property: Id(0)] string Line, [property: Id(1)] string Site,
    [property: Id(2)] string BaseVersion,
    [property: Id(3)] IReadOnlyList<string> InspectionIds, [property: Id(4)] IReadOnlyList<string> ImageKeys)
{
    /// <summary>The same update (what a second gateway asking for it joins): same line, version and images.</summary>
    public bool SameUpdate(BankUpdateRequest other) =>
        Line == other.Line && Site == other.Site && BaseVersion == other.BaseVersion
        && InspectionIds.SequenceEqual(other.InspectionIds) && ImageKeys.SequenceEqual(other.ImageKeys);
}

/// <summary>What a completed bank update published (registered, not promoted).</summary>
[GenerateSerializer, Immutable]
public sealed record BankUpdateOutcome([property: Id(0)] string Version, [property: Id(1)] int Added,
    [property: Id(2)] double ThresholdBefore,
    [property: Id(3)] double ThresholdAfter, [property: Id(4)] long RowsBefore, [property: Id(5)] long RowsAfter,
    [property: Id(6)] string? Warning);

/// <summary>
/// A line's bank-update job: its progress in training's terms (job id, Embed = appending, Publish = registering,
/// Completed / Failed), the request it runs and, once Completed, its outcome.
/// </summary>
/// <param name="Refused">The job failed because the version cannot take appended images (a coreset bank): the
/// caller's mistake, not the cluster's.</param>
/// <param name="Runs">Times the job started running: 1, plus one per resume after its silo was lost.</param>
[GenerateSerializer, Immutable]
public sealed record BankUpdateStatus([property: Id(0)] TrainingProgress Progress,
    [property: Id(1)] BankUpdateRequest? Request,
    [property: Id(2)] BankUpdateOutcome? Outcome, [property: Id(3)] bool Refused, [property: Id(4)] int Runs);
