using Reb.Core.Search;
using static TorchSharp.torch;

namespace Reb.Core.Tests.Search;

/// <summary>
/// Independent brute-force kNN in float64 (plain loops, no kernel code) under the project's tie rule: ascending
/// float32 distance, equal float32 distances to the lowest bank index. Every kNN test compares against it.
/// </summary>
internal static class KnnReference
{
    /// <summary>All squared distances of each query to each bank row, in double precision.</summary>
    public static double[][] AllDistances(Tensor queries, Tensor bank)
    {
        var q = queries.contiguous().data<float>().ToArray();
        var b = bank.contiguous().data<float>().ToArray();
        int d = (int)bank.shape[1], n = (int)bank.shape[0], count = (int)queries.shape[0];
        var result = new double[count][];
        Parallel.For(0, count, i =>
        {
            result[i] = new double[n];
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int c = 0; c < d; c++) { double diff = (double)q[i * d + c] - b[j * d + c]; s += diff * diff; }
                result[i][j] = s;
            }
        });
        return result;
    }

    /// <summary>Per query the k expected (float32 distance, index) pairs; rows in <paramref name="exclude"/> are
    /// skipped.</summary>
    public static (float D, long I)[][] Expected(double[][] reference, int k, BankRange[]? exclude = null) =>
        reference.Select((row, i) => row
            .Select((v, j) => (D: (float)v, I: (long)j))
            .Where(p => exclude is null || !exclude[i].Contains(p.I))
            .OrderBy(p => p.D).ThenBy(p => p.I).Take(k).ToArray()).ToArray();

    /// <summary>Asserts the result is exactly the reference search: the same indices in the same order, the same
    /// float32 distances.</summary>
    public static void AssertExact(KnnResult result, double[][] reference, int k, long[]? exclude = null) =>
        AssertExact(result, reference, k, exclude?.Select(BankRange.Single).ToArray());

    public static void AssertExact(KnnResult result, double[][] reference, int k, BankRange[]? exclude)
    {
        Assert.Equal(new long[] { reference.Length, k }, result.Distances.shape);
        Assert.Equal(new long[] { reference.Length, k }, result.Indices.shape);
        var dist = result.Distances.data<float>().ToArray();
        var idx = result.Indices.data<long>().ToArray();
        var expected = Expected(reference, k, exclude);
        for (int i = 0; i < reference.Length; i++)
            for (int j = 0; j < k; j++)
            {
                var (d, index) = expected[i][j];
                Assert.True(idx[i * k + j] == index && dist[i * k + j] == d,
                    $"query {i} rank {j}: got index {idx[i * k + j]} at {dist[i * k + j]:R}, expected index {index} " +
                    $"at {d:R}");
            }
    }
}
