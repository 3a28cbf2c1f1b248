using System.Runtime.Intrinsics;
using static TorchSharp.torch;

namespace Reb.Core.Search;

/// <summary>
/// Exact squared distances by the direct sum of squared differences, with float64 differences and accumulation:
/// every term is non-negative, so there is no cancellation (unlike ||q||^2 + ||b||^2 - 2 q.b) and the result is
/// exact to far below float32 rounding before the final float32 cast. Plain C# SIMD: only candidates are measured.
/// </summary>
internal static unsafe class ExactDistances
{
    /// <summary>
    /// Per query row the k nearest of its candidates (sorted by screen lower bound), ascending by (float32 distance,
    /// bank index): the project's tie rule. Candidates are measured in lower-bound order and the loop stops at the
    /// first whose lower bound proves it (and so every later one) farther than the current k-th float32 distance.
    /// <paramref name="original"/>, when given, maps a candidate's bank position to its original index (cells).
    /// </summary>
    public static void Rerank(KnnBank bank, Tensor queries, (float[] Lower, int[] Index)[] candidates,
        CandidateScan.QueryTerms[] terms, int k, float[] distances, long[] indices, long offset, KnnSearchStats? stats,
        int[]? original = null)
    {
        int rows = (int)queries.shape[0], d = bank.Dim;
        double scaleSq = bank.Scale * bank.Scale;
        float* qp = (float*)NativeGemm.DataPointer(queries);
        float* bp = (float*)NativeGemm.DataPointer(bank.Vectors);
        long measured = 0, wide = 0;
        Parallel.For(0, rows, () => 0L, (r, _, local) =>
        {
            var (lower, index) = candidates[r];
            var best = new TopK(k);
            int i = 0;
            for (; i < index.Length; i++)
            {
                if (best.Full && lower[i] > StopAt(terms[r], best.WorstDistance, scaleSq)) break;
                // A cell-ordered bank: the row is read at its position, ranked (ties) and returned by its original
                // index.
                best.Offer((float)SquaredDistance(qp + (long)r * d, bp + (long)index[i] * d, d),
                    original is null ? index[i] : original[index[i]]);
            }
            if (!best.Full) throw new InvalidOperationException($"KnnKernel: query {offset + r} kept {best.Count} " +
                $"candidates for k = {k} (a bug: the screen must keep k).");
            best.CopySorted(distances, indices, (offset + r) * k);
            if (i > 256) Interlocked.Increment(ref wide);
            return local + i;
        }, local => Interlocked.Add(ref measured, local));
        if (stats is not null) { stats.ExactDistances += measured; stats.WideQueries += wide; }
    }

    /// <summary>
    /// The lower-bound value (scan units) beyond which a candidate's float32 distance must exceed <paramref
    /// name="kth"/>: D >= lower bound > nextUp(kth) (1 + 2^-20) Scale^2 gives fl32(D64) >= nextUp(kth) > kth.
    /// </summary>
    private static float StopAt(in CandidateScan.QueryTerms q, float kth, double scaleSq)
    {
        if (float.IsPositiveInfinity(kth)) return float.PositiveInfinity;
        double bound = MathF.BitIncrement(kth) * scaleSq * (1 + CandidateScan.RelativeMargin) + q.AbsoluteMargin;
        return ScreenRowBounds.Up(bound - q.Nu + q.C0);
    }

    /// <summary>sum_i (a_i - b_i)^2 with float64 differences and accumulation.</summary>
    public static double SquaredDistance(float* a, float* b, int d)
    {
        int i = 0;
        double sum = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var acc0 = Vector256<double>.Zero;
            var acc1 = Vector256<double>.Zero;
            for (; i + 8 <= d; i += 8)
            {
                var (a0, a1) = Vector256.Widen(Vector256.Load(a + i));
                var (b0, b1) = Vector256.Widen(Vector256.Load(b + i));
                var d0 = a0 - b0; var d1 = a1 - b1;
                acc0 += d0 * d0; acc1 += d1 * d1;
            }
            sum = Vector256.Sum(acc0 + acc1);
        }
        for (; i < d; i++)
        {
            double diff = (double)a[i] - b[i];
            sum += diff * diff;
        }
        return sum;
    }

    /// <summary>The k smallest (float32 distance, index) pairs offered: a max-heap under the tie rule's
    /// order.</summary>
    private sealed class TopK(int k)
    {
        private readonly float[] _d = new float[k];
        private readonly long[] _i = new long[k];
        public int Count { get; private set; }
        public bool Full => Count == k;
        public float WorstDistance => Count == 0 ? float.PositiveInfinity : _d[0];

        private static bool After(float d1, long i1, float d2, long i2) => d1 > d2 || (d1 == d2 && i1 > i2);

        public void Offer(float d, long index)
        {
            if (Count < k)
            {
                int c = Count++;
                while (c > 0)
                {
                    int parent = (c - 1) / 2;
                    if (!After(d, index, _d[parent], _i[parent])) break;
                    _d[c] = _d[parent]; _i[c] = _i[parent];
                    c = parent;
                }
                _d[c] = d; _i[c] = index;
                return;
            }
            if (!After(_d[0], _i[0], d, index)) return;
            int at = 0;
            while (true)
            {
                int child = 2 * at + 1;
                if (child >= k) break;
                if (child + 1 < k && After(_d[child + 1], _i[child + 1], _d[child], _i[child])) child++;
                if (!After(_d[child], _i[child], d, index)) break;
                _d[at] = _d[child]; _i[at] = _i[child];
                at = child;
            }
            _d[at] = d; _i[at] = index;
        }

        public void CopySorted(float[] distances, long[] indices, long at)
        {
            var d = _d[..Count]; var i = _i[..Count];
            var order = Enumerable.Range(0, Count).OrderBy(j => d[j]).ThenBy(j => i[j]).ToArray();
            for (int j = 0; j < Count; j++) { distances[at + j] = d[order[j]]; indices[at + j] = i[order[j]]; }
        }
    }
}
