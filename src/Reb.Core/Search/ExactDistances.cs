using System.Runtime.Intrinsics;
using static TorchSharp.torch;

namespace Reb.Core.Search;

/// <summary>
/// Exact squared distances by the direct sum of squared differences, with float64 differences and
/// accumulation: every term is non-negative, so there is no cancellation (unlike ||q||^2 + ||b||^2 - 2 q.b)
/// and the result is exact to float64 rounding before the final float32 cast. Plain C# SIMD: the work is
/// tiny next to the screen, and it avoids libtorch's slow float64 conversions and [rows, kk, d] temporaries.
/// </summary>
internal static unsafe class ExactDistances
{
    /// <summary>
    /// Re-ranks candidates: [rows, kk] bank indices (-1 = none) -> per row the k nearest, ascending
    /// (float64 distances, indices). Excluded entries are skipped.
    /// </summary>
    public static (double[] Distances, long[] Indices) Rerank(KnnBank bank, Tensor queries, long[] candidates,
        int kk, BankRange[] exclude, int k)
    {
        int rows = (int)queries.shape[0], d = bank.Dim;
        var distances = new double[(long)rows * k];
        var indices = new long[(long)rows * k];
        using var q = queries.contiguous();
        float* qp = (float*)NativeGemm.DataPointer(q);
        float* bp = (float*)NativeGemm.DataPointer(bank.Vectors);
        Parallel.For(0, rows, r =>
        {
            var dist = new double[kk];
            var idx = new long[kk];
            for (int j = 0; j < kk; j++)
            {
                long c = candidates[(long)r * kk + j];
                idx[j] = c;
                dist[j] = c < 0 || exclude[r].Contains(c) ? double.PositiveInfinity : SquaredDistance(qp + (long)r * d, bp + c * d, d);
            }
            Array.Sort(dist, idx);
            Array.Copy(dist, 0, distances, (long)r * k, k);
            Array.Copy(idx, 0, indices, (long)r * k, k);
        });
        return (distances, indices);
    }

    /// <summary>Exact k nearest of one query against the whole bank (the last-resort fallback).</summary>
    public static (double[] Distances, long[] Indices) BruteForce(KnnBank bank, Tensor query, BankRange exclude, int k)
    {
        int d = bank.Dim;
        long n = bank.Count;
        using var q = query.contiguous();
        float* qp = (float*)NativeGemm.DataPointer(q);
        float* bp = (float*)NativeGemm.DataPointer(bank.Vectors);
        var all = new double[n];
        Parallel.For(0L, n, i => all[i] = exclude.Contains(i) ? double.PositiveInfinity : SquaredDistance(qp, bp + i * d, d));
        var order = new long[n];
        for (long i = 0; i < n; i++) order[i] = i;
        Array.Sort(all, order);
        return (all[..k], order[..k]);
    }

    /// <summary>sum_i (a_i - b_i)^2 with float64 differences and accumulation.</summary>
    public static double SquaredDistance(float* a, float* b, int d)
    {
        int i = 0;
        double sum = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var acc = Vector256<double>.Zero;
            for (; i + 4 <= d; i += 4)
            {
                var diff = Vector256.WidenLower(Vector128.Load(a + i).ToVector256Unsafe()) - Vector256.WidenLower(Vector128.Load(b + i).ToVector256Unsafe());
                acc += diff * diff;
            }
            sum = Vector256.Sum(acc);
        }
        for (; i < d; i++)
        {
            double diff = (double)a[i] - b[i];
            sum += diff * diff;
        }
        return sum;
    }
}
