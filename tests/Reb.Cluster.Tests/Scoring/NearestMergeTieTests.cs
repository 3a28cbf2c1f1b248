using Reb.Core.Search;
using Reb.Grains.Fanout;
using Reb.Grains.Shards;
using static TorchSharp.torch;

namespace Reb.Cluster.Tests.Scoring;

/// <summary>
/// The tie rule across shards, without a cluster: bank slices served by <see cref="ShardSlice"/> and merged by
/// <see cref="NearestMerge"/> must give the single-process kernel's answer (equal float32 distances to the lowest
/// global index) when equal distances sit in different shards.
/// </summary>
public sealed class NearestMergeTieTests
{
    [Fact]
    public async Task Shards_merged_by_global_index_equal_the_single_bank_on_ties()
    {
        const int d = 16;
        using var gen = new Generator(23);
        using var unique = rand(new long[] { 20, d }, generator: gen);
        using var query = rand(new long[] { 1, d }, generator: gen);
        // Each unique row 5 times (shuffled over all shards) and mirror points q +- e_i/4 at equal distances.
        using var mirrors = cat(new[] { query + 0.25f * eye(d), query - 0.25f * eye(d) });
        using var order = randperm(100 + 2 * d, generator: gen);
        using var bankData = cat(new[] { unique.repeat(5, 1), mirrors }).index_select(0, order).contiguous();
        using var queries = cat(new[] { query, unique.narrow(0, 0, 6) }).contiguous();
        var rows = bankData.data<float>().ToArray();
        var chunk = FeatureChunks.Split(queries.data<float>().ToArray(), d, 1 << 20).Single();

        using var whole = KnnBank.Create(bankData);
        using var single1 = KnnKernel.Search(whole, queries, 1);
        const int k = 3;
        var exclude = new long[] { -1, 3, 40, 77, 100, 101, 131 };
        using var single3 = KnnKernel.Search(whole, queries, k, tensor(exclude));

        var cuts = new[] { 0, 33, 34, 80, 132 };
        var slices = new List<ShardSlice>();
        try
        {
            for (int s = 0; s + 1 < cuts.Length; s++)
                slices.Add(ShardSlice.Create(rows[(cuts[s] * d)..(cuts[s + 1] * d)], d,
                    new float[cuts[s + 1] - cuts[s]], cuts[s]));
            var nearest =
                NearestMerge.Nearest((await Task.WhenAll(slices.Select(sl => sl.NearestAsync(chunk)))).ToList());
            Assert.Equal(single1.Indices.data<long>().ToArray(), nearest.GlobalIndex);
            Assert.Equal(single1.Distances.data<float>().ToArray(), nearest.Distance);

            var (distances, indices) = NearestMerge.TopK(slices.Select(sl => sl.TopK(chunk, k, exclude)).ToList(), k);
            Assert.Equal(single3.Indices.data<long>().ToArray(), indices);
            Assert.Equal(single3.Distances.data<float>().ToArray(), distances);
        }
        finally
        {
            foreach (var s in slices) s.Dispose();
        }
    }
}
