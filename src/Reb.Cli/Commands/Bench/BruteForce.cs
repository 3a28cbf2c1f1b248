using Reb.Core.Search;
using static TorchSharp.torch;

namespace Reb.Cli.Commands.Bench;

/// <summary>An independent float64 brute force (plain loops) under the tie rule, to check the timed kernel's
/// answers.</summary>
public static class BruteForce
{
    public static bool Matches(KnnResult result, Tensor bank, Tensor queries, int k, long[]? exclude)
    {
        var b = bank.contiguous().data<float>().ToArray();
        var q = queries.contiguous().data<float>().ToArray();
        var gotD = result.Distances.data<float>().ToArray();
        var gotI = result.Indices.data<long>().ToArray();
        int d = (int)bank.shape[1], n = (int)bank.shape[0], count = (int)queries.shape[0];
        bool ok = true;
        Parallel.For(0, count, i =>
        {
            var all = new (float D, long I)[n];
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int c = 0; c < d; c++) { double diff = (double)q[i * d + c] - b[(long)j * d + c]; s +=
                    diff * diff; }
                all[j] = (exclude is not null && exclude[i] == j) ? (float.PositiveInfinity, long.MaxValue)
                    : ((float)s, j);
            }
            var expected = all.OrderBy(p => p.D).ThenBy(p => p.I).Take(k).ToArray();
            for (int j = 0; j < k; j++)
                if (expected[j].D != gotD[i * k + j] || expected[j].I != gotI[i * k + j]) ok = false;
        });
        return ok;
    }
}
