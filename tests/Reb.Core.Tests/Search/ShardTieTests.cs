using Reb.Core.Search;
using static TorchSharp.torch;

namespace Reb.Core.Tests.Search;

/// <summary>
/// One tie rule in one process and across shards: a bank cut into slices, each searched on its own and merged the way
/// the cluster merges (Reb.Grains NearestMerge: ascending float32 distance, then lowest GLOBAL index), must give
/// exactly the single-bank answer when equal distances sit in different shards.
/// </summary>
public class ShardTieTests
{
    [Theory]
    [InlineData(1, KnnPrecision.Bf16Screened)]
    [InlineData(4, KnnPrecision.Bf16Screened)]
    [InlineData(4, KnnPrecision.Float32)]
    public void SlicesMergedByGlobalIndex_EqualTheSingleBank(int k, KnnPrecision precision)
    {
        const int d = 32;
        using var gen = new Generator(17);
        // Exact duplicates spread over every shard, and mirror points q +- e_i (equal float32 distances, different
        // vectors).
        using var unique = rand(new long[] { 50, d }, generator: gen);
        using var query = rand(new long[] { 1, d }, generator: gen);
        using var mirrors = cat(new[] { query + 0.25f * eye(d), query - 0.25f * eye(d) });
        using var order = randperm(50 * 6 + 2 * d, generator: gen);
        using var bankData = cat(new[] { unique.repeat(6, 1), mirrors }).index_select(0, order).contiguous();
        long n = bankData.shape[0];
        using var queries = cat(new[] { query, unique.narrow(0, 0, 5), unique.narrow(0, 7, 3) + 1e-3f }).contiguous();
        var options = new KnnOptions { Precision = precision };

        using var whole = KnnBank.Create(bankData, options);
        using var single = KnnKernel.Search(whole, queries, k, options: options);
        KnnReference.AssertExact(single, KnnReference.AllDistances(queries, bankData), k);

        var cuts = new long[] { 0, 61, 130, 131, 250, n };
        var answers = new List<(float[] D, long[] I)>();
        for (int s = 0; s + 1 < cuts.Length; s++)
        {
            using var slice = bankData.narrow(0, cuts[s], cuts[s + 1] - cuts[s]).contiguous();
            using var bank = KnnBank.Create(slice, options);
            int kk = (int)Math.Min(k, bank.Count);
            using var r = KnnKernel.Search(bank, queries, kk, options: options);
            answers.Add((Pad(r.Distances, kk, k, float.PositiveInfinity),
                Pad(r.Indices, kk, k, -1L).Select(i => i < 0 ? -1 : i + cuts[s]).ToArray()));
        }
        var singleD = single.Distances.data<float>().ToArray();
        var singleI = single.Indices.data<long>().ToArray();
        for (int q = 0; q < queries.shape[0]; q++)
        {
            var merged = answers.SelectMany(a => Enumerable.Range(q * k, k).Select(j => (D: a.D[j], I: a.I[j])))
                .Where(p => p.I >= 0).OrderBy(p => p.D).ThenBy(p => p.I).Take(k).ToArray();
            for (int j = 0; j < k; j++)
            {
                Assert.Equal(singleI[q * k + j], merged[j].I);
                Assert.Equal(singleD[q * k + j], merged[j].D);
            }
        }
    }

    private static T[] Pad<T>(Tensor t, int kk, int k, T fill) where T : unmanaged
    {
        var v = t.data<T>().ToArray();
        int rows = v.Length / kk;
        var result = Enumerable.Repeat(fill, rows * k).ToArray();
        for (int r = 0; r < rows; r++) Array.Copy(v, r * kk, result, r * k, kk);
        return result;
    }
}
