using System.Runtime.InteropServices;
using Reb.Abstractions.Contracts;
using Reb.Core.Search;
using Reb.Grains.Fanout;
using static TorchSharp.torch;

namespace Reb.Grains.Shards;

/// <summary>
/// The rows one bank shard serves: a prepared kNN search over its slice (flat, or cells built over the slice's own
/// rows: the same exact answer), the densities of those rows (zeros for a training bank) and the slice's first global
/// row. </summary>
public sealed class ShardSlice(KnnSearch search, float[] density, long start) : IDisposable
{
    public KnnSearch Search { get; } = search;

    /// <summary>Scoring requests that reach the shard together are searched together (the same answers).</summary>
    public NearestCoalescer Coalescer { get; } = new(search);
    public KnnBank Bank => Search.Bank;
    public float[] Density { get; } = density;
    public long Start { get; } = start;
    public long Count => Bank.Count;
    public int Dim => Bank.Dim;

    /// <param name="device">the silo's device: the screening GEMM runs there (exact either way:
    /// KnnOptions.ScreenDevice).</param>
    /// <param name="mode">how the slice is searched (cells only on the CPU); the answer is the same in every
    /// mode.</param>
    public static ShardSlice Create(float[] rows, int dim, float[] density, long start, Device? device = null,
        SearchMode mode = SearchMode.Auto)
    {
        var t = tensor(rows).reshape(rows.Length / dim, dim);
        var bank = KnnBank.Create(t, device is null ? null : new KnnOptions { ScreenDevice = device });
        t.Dispose(); // the bank keeps its own handle on the storage
        return new ShardSlice(KnnSearch.Create(bank, mode, ownsBank: true), density, start);
    }

    /// <summary>Nearest row per query: distance, global index, density. Chunks of other requests that arrive while a
    /// search runs share the next one (<see cref="NearestCoalescer"/>).</summary>
    public async Task<ShardNearest> NearestAsync(FeatureChunk chunk)
    {
        chunk.Validate();
        var (d, local) = await Coalescer.NearestAsync(MemoryMarshal.Cast<byte, float>(chunk.Data).ToArray(),
            chunk.Rows);
        var global = new long[local.Length];
        var dens = new float[local.Length];
        for (int i = 0; i < local.Length; i++) { global[i] = Start + local[i]; dens[i] = Density[local[i]]; }
        return new ShardNearest(d, global, dens);
    }

    /// <summary>K nearest rows per query (global indices), padded with +inf / -1 when the shard has fewer usable
    /// rows.</summary>
    public ShardTopK TopK(FeatureChunk chunk, int k, long[] excludeGlobal)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be at least 1");
        if (excludeGlobal.Length != chunk.Rows)
            throw new ArgumentException($"TopK: {excludeGlobal.Length} exclusions for {chunk.Rows} queries",
                nameof(excludeGlobal));
        using var scope = NewDisposeScope();
        var localExclude = excludeGlobal.Select(g => g >= Start && g < Start + Count ? g - Start : -1).ToArray();
        var distances = new float[chunk.Rows * k];
        var indices = new long[chunk.Rows * k];
        Array.Fill(distances, float.PositiveInfinity);
        Array.Fill(indices, -1L);
        var all = FeatureChunks.ToTensor(chunk);
        // Queries whose excluded row lies in this shard have one row fewer to choose from: searched as their own group
        // so that a shard smaller than K still returns every usable row to every query.
        foreach (bool excluding in new[] { false, true })
        {
            var rows = Enumerable.Range(0, chunk.Rows).Where(r => (localExclude[r] >= 0) == excluding).ToArray();
            int kk = (int)Math.Min(k, Count - (excluding ? 1 : 0));
            if (rows.Length == 0 || kk < 1) continue;
            var q = rows.Length == chunk.Rows ? all : all.index_select(0, tensor(rows.Select(r => (long)r).ToArray()));
            using var r = Search.Search(q, kk, excluding ? tensor(rows.Select(x => localExclude[x]).ToArray()) : null);
            var d = r.Distances.data<float>().ToArray();
            var i = r.Indices.data<long>().ToArray();
            for (int a = 0; a < rows.Length; a++)
                for (int j = 0; j < kk; j++)
                {
                    distances[rows[a] * k + j] = d[a * kk + j];
                    indices[rows[a] * k + j] = Start + i[a * kk + j];
                }
        }
        return new ShardTopK(distances, indices, k);
    }

    /// <summary>Bytes this slice holds in the silo (bank, screen copy, cells, densities).</summary>
    public long ResidentBytes => Search.ResidentBytes + sizeof(float) * Density.LongLength;

    public void Dispose() => Search.Dispose();
}
