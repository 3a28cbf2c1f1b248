using Orleans.Concurrency;
using Reb.Abstractions.Contracts;

namespace Reb.Abstractions.Grains;

/// <summary>
/// One slice of a bank (key = <see cref="ShardKey"/> "line/source/IofN"): core features and densities of a model
/// version, or a training job's bank slice. Loaded lazily from the artefact store on the first query (not in
/// OnActivateAsync); searched with the core's one exact kNN kernel.
/// </summary>
public interface IBankShardGrain : IGrainWithStringKey
{
    /// <summary>Nearest row of this shard for every query of the chunk (distance, global index, density).</summary>
    [ReadOnly] Task<ShardNearest> Nearest(FeatureChunk queries);

    /// <summary>K nearest rows of this shard per query; <paramref name="excludeGlobal"/>[q] is a global row query q
    /// must not return (-1 = none).</summary>
    [ReadOnly] Task<ShardTopK> TopK(FeatureChunk queries, int k, long[] excludeGlobal);

    /// <summary>Loads the shard if needed and describes it (where it lives, which rows).</summary>
    Task<ShardInfo> Describe();
}
