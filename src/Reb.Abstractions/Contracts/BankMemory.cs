namespace Reb.Abstractions.Contracts;

/// <summary>
/// What one silo holds of the cluster's banks: its memory budget for bank shards, the bytes its resident shards hold
/// (float32 rows, screen copy, cells, densities), their keys, the keys of shards loading now, its peak since it
/// started and the largest shard it has held.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SiloBankReport(
    [property: Id(0)] string Silo,
    [property: Id(1)] long BudgetBytes,
    [property: Id(2)] long ResidentBytes,
    [property: Id(3)] string[] Resident,
    [property: Id(4)] string[] Loading,
    [property: Id(5)] long MaxResidentBytes,
    [property: Id(6)] DateTime At,
    [property: Id(7)] long LargestShardBytes = 0);
