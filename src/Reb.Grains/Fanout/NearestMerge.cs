using Reb.Abstractions.Contracts;

namespace Reb.Grains.Fanout;

/// <summary>
/// Merges per-shard answers into the answer of the whole bank under the project's one tie rule, the same as the
/// single-process kernel (Reb.Core.Search.KnnKernel): ascending float32 distance, equal distances to the lowest GLOBAL
/// bank index. Each shard already applies it to its slice, so the merged answer equals one process's.
/// </summary>
public static class NearestMerge
{
    /// <summary>Global nearest per query: minimum distance over shards, ties broken by the lowest global
    /// index.</summary>
    public static ShardNearest Nearest(IReadOnlyList<ShardNearest> shards)
    {
        if (shards.Count == 0) throw new ArgumentException("no shard answered");
        int q = shards[0].Distance.Length;
        var d = (float[])shards[0].Distance.Clone();
        var g = (long[])shards[0].GlobalIndex.Clone();
        var dens = (float[])shards[0].Density.Clone();
        foreach (var s in shards.Skip(1))
        {
            if (s.Distance.Length != q)
                throw new ArgumentException($"shards answered {q} and {s.Distance.Length} queries");
            for (int i = 0; i < q; i++)
                if (s.Distance[i] < d[i] || (s.Distance[i] == d[i] && s.GlobalIndex[i] < g[i]))
                {
                    d[i] = s.Distance[i];
                    g[i] = s.GlobalIndex[i];
                    dens[i] = s.Density[i];
                }
        }
        return new ShardNearest(d, g, dens);
    }

    /// <summary>Global K nearest per query: the K smallest (distance, then global index) over all shards'
    /// lists.</summary>
    public static (float[] Distances, long[] Indices) TopK(IReadOnlyList<ShardTopK> shards, int k)
    {
        if (shards.Count == 0) throw new ArgumentException("no shard answered");
        int q = shards[0].Distances.Length / shards[0].K;
        var distances = new float[q * k];
        var indices = new long[q * k];
        var candidates = new List<(float D, long I)>();
        for (int row = 0; row < q; row++)
        {
            candidates.Clear();
            foreach (var s in shards)
                for (int j = 0; j < s.K; j++)
                    if (s.GlobalIndices[row * s.K + j] >= 0)
                        candidates.Add((s.Distances[row * s.K + j], s.GlobalIndices[row * s.K + j]));
            if (candidates.Count < k) throw new InvalidOperationException(
                $"query {row}: only {candidates.Count} neighbours over all shards, {k} needed");
            candidates.Sort((a, b) => a.D != b.D ? a.D.CompareTo(b.D) : a.I.CompareTo(b.I));
            for (int j = 0; j < k; j++) { distances[row * k + j] = candidates[j].D; indices[row * k + j] =
                candidates[j].I; }
        }
        return (distances, indices);
    }
}
