namespace Reb.Abstractions.Contracts;

/// <summary>
/// What retention removed from the artefact store since the cluster's state began: training checkpoints of ended jobs,
/// inspection images that no history row names, and model versions beyond a line's last N. Counts and bytes.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RetentionTotals
{
    [Id(0)] public long CheckpointFiles { get; init; }
    [Id(1)] public long CheckpointBytes { get; init; }
    [Id(2)] public long OrphanImages { get; init; }
    [Id(3)] public long OrphanImageBytes { get; init; }
    [Id(4)] public long VersionsRemoved { get; init; }
    [Id(5)] public long VersionBytes { get; init; }

    public static readonly RetentionTotals None = new();

    public RetentionTotals Plus(RetentionTotals d) => new()
    {
        CheckpointFiles = CheckpointFiles + d.CheckpointFiles, CheckpointBytes = CheckpointBytes + d.CheckpointBytes,
        OrphanImages = OrphanImages + d.OrphanImages, OrphanImageBytes = OrphanImageBytes + d.OrphanImageBytes,
        VersionsRemoved = VersionsRemoved + d.VersionsRemoved, VersionBytes = VersionBytes + d.VersionBytes,
    };
}
