namespace Reb.Abstractions.Contracts;

/// <summary>Per query of a chunk: the nearest core row of one shard (global index) and that core's density.</summary>
/// <param name="Distance">Squared L2 distance to the nearest core row of the shard.</param>
/// <param name="GlobalIndex">Row of that core feature in the whole core set (shard start + local row).</param>
/// <param name="Density">LDKNN density of that core feature.</param>
[GenerateSerializer, Immutable]
public sealed record ShardNearest([property: Id(0)] float[] Distance, [property: Id(1)] long[] GlobalIndex,
    [property: Id(2)] float[] Density);

/// <summary>Per query of a chunk: the K nearest rows of one shard, ascending, [rows * K] row-major. Missing entries
/// (shard smaller than K) are +infinity with index -1.</summary>
[GenerateSerializer, Immutable]
public sealed record ShardTopK([property: Id(0)] float[] Distances, [property: Id(1)] long[] GlobalIndices,
    [property: Id(2)] int K);

/// <summary>What a shard holds: its global row range and whether it is loaded.</summary>
[GenerateSerializer, Immutable]
public sealed record ShardInfo([property: Id(0)] string Key, [property: Id(1)] long Start, [property: Id(2)] long Count,
    [property: Id(3)] int Dim, [property: Id(4)] bool Loaded, [property: Id(5)] string Silo);
