using static TorchSharp.torch;

namespace Reb.Core.Tests.Search;

/// <summary>Brute-force double-precision kNN and the comparison every kNN test uses.</summary>
internal static class KnnReference
{
    /// <summary>All squared distances of each query to each bank row, in double precision.</summary>
    public static double[][] AllDistances(Tensor queries, Tensor bank)
    {
        var q = queries.data<float>().ToArray();
        var b = bank.data<float>().ToArray();
        int d = (int)bank.shape[1], n = (int)bank.shape[0], count = (int)queries.shape[0];
        var result = new double[count][];
        for (int i = 0; i < count; i++)
        {
            result[i] = new double[n];
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int c = 0; c < d; c++) { double diff = (double)q[i * d + c] - b[j * d + c]; s += diff * diff; }
                result[i][j] = s;
            }
        }
        return result;
    }

    /// <summary>
    /// Asserts the result equals the exact search: ascending distances equal to the k smallest reference
    /// distances (tolerance: float32 rounding), every returned index really at its returned distance, no
    /// repeated index, no excluded index.
    /// </summary>
    public static void AssertExact(Reb.Core.Search.KnnResult result, double[][] reference, int k, long[]? exclude = null)
    {
        var dist = result.Distances.data<float>().ToArray();
        var idx = result.Indices.data<long>().ToArray();
        Assert.Equal(new long[] { reference.Length, k }, result.Distances.shape);
        Assert.Equal(new long[] { reference.Length, k }, result.Indices.shape);
        for (int i = 0; i < reference.Length; i++)
        {
            var row = (double[])reference[i].Clone();
            if (exclude is not null && exclude[i] >= 0) row[exclude[i]] = double.PositiveInfinity;
            var sorted = row.OrderBy(x => x).Take(k).ToArray();
            var seen = new HashSet<long>();
            for (int j = 0; j < k; j++)
            {
                double tol = 1e-6 * Math.Max(1.0, sorted[j]);
                double got = dist[i * k + j];
                Assert.True(Math.Abs(got - sorted[j]) <= tol, $"query {i} rank {j}: distance {got} but exact {sorted[j]}");
                long index = idx[i * k + j];
                Assert.True(seen.Add(index), $"query {i}: index {index} returned twice");
                Assert.True(exclude is null || index != exclude[i], $"query {i}: excluded index {index} returned");
                Assert.True(Math.Abs(row[index] - got) <= tol, $"query {i} rank {j}: index {index} is at {row[index]}, not {got}");
            }
        }
    }
}
