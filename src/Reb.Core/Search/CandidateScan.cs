using System.Numerics;
using System.Runtime.Intrinsics;

namespace Reb.Core.Search;

/// <summary>
/// The adaptive screen of one block of queries, fed GEMM tiles of -2 qh.bh. Per entry it forms the rigorous lower
/// and upper bounds of the squared distance (<see cref="ScreenErrorBound"/>; the query's constant nu - c0 / nu + c0
/// is left out and folded into the threshold), keeps per query the k smallest UPPER bounds (a max-heap; its root
/// bounds the true k-th distance from above) and keeps as a candidate every entry whose LOWER bound does not exceed
/// that running threshold. No fixed number of extra candidates: where patches repeat the set grows to what the
/// bound cannot separate, elsewhere it stays near k. Every true neighbour is kept (see <see cref="Threshold"/>).
/// Why hand-written: one SIMD pass per tile, two multiply-adds per entry; almost every entry fails the compare.
/// </summary>
internal sealed unsafe class CandidateScan
{
    /// <summary>Relative widening of every threshold: covers the float64 exact distances and one float32 rounding step
    /// of the result (both far below 2^-20).</summary>
    internal const double RelativeMargin = 1.0 / (1 << 20);

    private readonly int _k;
    private readonly ScreenRowBounds _bank;
    private readonly QueryTerms[] _queries;
    private readonly BankRange[] _exclude;
    private readonly float[][] _heap;   // per row: the k smallest upper bounds, max-heap
    private readonly int[] _heapCount;
    // per row: lower bounds above it cannot be neighbours (+inf until the heap is full)
    private readonly float[] _threshold;
    private readonly float[][] _lower;  // per row: candidates' lower bounds ...
    private readonly int[][] _index;    // ... and bank indices
    private readonly int[] _count;
    private readonly ColumnLowerBounds? _columns; // optional: per bank row, the least lower bound over all queries
    private readonly float[]? _kappa;              // per query: Nu - C0 minus its float32 slack, rounded down
    // optional: bank position -> original bank index (a cell-ordered bank)
    private readonly int[]? _original;

    /// <summary>Per query: nu = ||qc||^2, the bound's coefficients, and the absolute margin (all scaled
    /// domain).</summary>
    internal readonly record struct QueryTerms(double Nu, double C0, float CB, float CR, double AbsoluteMargin);

    /// <param name="original">For a bank stored in another order (cells): each position's original bank index, which
    /// the exclusions are given in.</param>
    public CandidateScan(ScreenRowBounds bank, QueryTerms[] queries, BankRange[] exclude, int k,
        ColumnLowerBounds? columns = null,
        int[]? original = null)
    {
        _k = k;
        _original = original;
        _columns = columns;
        if (columns is not null)
        {
            // D >= lower + Nu - C0 (the bound); forming lower + kappa in float32 errs by a few 2^-24 of the operands'
            // magnitudes (at most about 2 (Nu + B^2)): kappa gives up 2^-18 Nu of it here, ColumnLowerBounds.Within the
            // B^2 half, far more than that rounding.
            _kappa = new float[queries.Length];
            for (int r = 0; r < queries.Length; r++)
                _kappa[r] =
                    ScreenRowBounds.Down(queries[r].Nu - queries[r].C0 - ColumnLowerBounds.Slack * queries[r].Nu);
        }
        _bank = bank;
        _queries = queries;
        _exclude = exclude;
        int rows = queries.Length;
        _heap = new float[rows][];
        _heapCount = new int[rows];
        _threshold = new float[rows];
        _lower = new float[rows][];
        _index = new int[rows][];
        _count = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            _heap[r] = new float[k];
            _threshold[r] = float.PositiveInfinity;
            _lower[r] = new float[2 * k + 62];
            _index[r] = new int[2 * k + 62];
        }
    }

    /// <summary>
    /// The scan threshold for a query whose k-th smallest upper bound (without nu + c0) is <paramref name="upper"/>:
    /// if lower(b) - nu + c0 exceeds it, then the true distance D(b) > U_k (1 + 2^-20) + margin, where U_k bounds the
    /// true
    /// k-th distance from above. The float32 result of the k-th neighbour is fl32(D64_k) &lt;= fl32(U_k (1 + 1e-13)),
    /// so b's own float32 distance is strictly larger: b is neither a neighbour nor tied with one. The absolute margin
    /// (2^-148, the float32 denormal spacing, times Scale^2) keeps this true where float32 distances are denormal.
    /// Rounded up to float32 so the SIMD compare never drops an entry the double arithmetic would keep.
    /// </summary>
    internal static float Threshold(in QueryTerms q, double upper)
    {
        double bound = (q.Nu + upper + q.C0) * (1 + RelativeMargin) + q.AbsoluteMargin;
        return ScreenRowBounds.Up(bound - q.Nu + q.C0);
    }

    /// <summary>
    /// The least squared distance (scaled domain) a bank row must exceed to be ruled out for query <paramref
    /// name="r"/>:
    /// the bound behind <see cref="Threshold"/> before the query's own terms are taken off; +inf until k rows were
    /// seen. A cell whose rigorous lower bound exceeds it holds no neighbour and no tie (the argument of Threshold).
    /// </summary>
    internal double RuledOutBeyond(int r)
    {
        if (_heapCount[r] < _k) return double.PositiveInfinity;
        var q = _queries[r];
        return (q.Nu + _heap[r][0] + q.C0) * (1 + RelativeMargin) + q.AbsoluteMargin;
    }

    /// <summary>Scans a float32 tile[r, j] = -2 qh_r.bh_(start+j), j &lt; width, for every row (float32 GEMM
    /// output).</summary>
    public void Scan(float* tile, long ldc, int start, int width)
        => Scan<Float32Tile>(tile, ldc * sizeof(float), start, width, 0f);

    /// <summary>
    /// Scans a float32 tile whose row i belongs to query <paramref name="rows"/>[i] (a cell's GEMM over the queries
    /// that visit it), on the calling thread: callers scan disjoint sets of queries in parallel.
    /// </summary>
    public void ScanRows(float* tile, long ldc, int start, int width, int[] rows)
    {
        fixed (float* low = _bank.LowBias, high = _bank.HighBias, b = _bank.B, res = _bank.Residual)
            for (int i = 0; i < rows.Length; i++)
                ScanRow<Float32Tile, NoColumns>(rows[i], (byte*)tile + i * ldc * sizeof(float), low + start,
                    high + start, b + start,
                    res + start, start, width, 0f, null);
    }

    /// <summary><see cref="ScanRows(float*, long, int, int, int[])"/> for a bfloat16 tile (see <see
    /// cref="ScanBf16"/>).</summary>
    public void ScanRowsBf16(ushort* tile, long ldc, int start, int width, int[] rows)
    {
        float slack = MathF.BitIncrement((float)(1.0 / 255));
        fixed (float* low = _bank.LowBias, high = _bank.HighBias, b = _bank.B, res = _bank.Residual)
            for (int i = 0; i < rows.Length; i++)
                ScanRow<Bf16Tile, NoColumns>(rows[i], (byte*)tile + i * ldc * sizeof(ushort), low + start, high + start,
                    b + start,
                    res + start, start, width, slack, null);
    }

    /// <summary>
    /// Scans a bfloat16 tile x[r, j] = bf16(qh_r.bh_(start+j)) as -2 x (exact), read in place (no float32 copy of the
    /// tile); each entry's bound widens by u' |-2x| for the output rounding, u' = 2^-8 / (1 - 2^-8), rounded up.
    /// </summary>
    public void ScanBf16(ushort* tile, long ldc, int start, int width) =>
        Scan<Bf16Tile>(tile, ldc * sizeof(ushort), start, width, MathF.BitIncrement((float)(1.0 / 255)));

    private void Scan<T>(void* tile, long rowBytes, int start, int width, float slack) where T : struct, ITile
    {
        int rows = _queries.Length;
        int parts = Math.Max(1, Math.Min(ColumnLowerBounds.Parts, rows / 8));
        Parallel.For(0, parts, p =>
        {
            int from = (int)((long)rows * p / parts), to = (int)((long)rows * (p + 1) / parts);
            fixed (float* low = _bank.LowBias, high = _bank.HighBias, b = _bank.B, res = _bank.Residual)
            {
                if (_columns is null)
                    for (int r = from; r < to; r++)
                        ScanRow<T, NoColumns>(r, (byte*)tile + r * rowBytes, low + start, high + start, b + start,
                            res + start, start, width, slack, null);
                else
                    fixed (float* mins = _columns.Part(p))
                        for (int r = from; r < to; r++)
                            ScanRow<T, WithColumns>(r, (byte*)tile + r * rowBytes, low + start, high + start, b + start,
                                res + start, start, width, slack, mins + start);
            }
        });
    }

    // Whether a scan also keeps column minima: a type argument, so the plain scan's loop carries no test for it.
    private struct NoColumns;
    private struct WithColumns;

    /// <summary>Reads -2 q.b entries of a GEMM tile row (struct type parameter: the JIT specialises the hot loop per
    /// format).</summary>
    private interface ITile
    {
        static abstract Vector256<float> Load8(void* row, int j);
        static abstract float Load1(void* row, int j);
    }

    private struct Float32Tile : ITile
    {
        public static Vector256<float> Load8(void* row, int j) => Vector256.Load((float*)row + j);
        public static float Load1(void* row, int j) => ((float*)row)[j];
    }

    private struct Bf16Tile : ITile
    {
        public static Vector256<float> Load8(void* row, int j) =>
            (Vector256.WidenLower(Vector128.Load((ushort*)row + j).ToVector256Unsafe()) << 16)
            .AsSingle() * Vector256.Create(-2f);
        public static float Load1(void* row, int j) => -2f * BitConverter.Int32BitsToSingle(((ushort*)row)[j] << 16);
    }

    private void ScanRow<T, TColumns>(int r, void* row, float* low, float* high, float* b, float* res, int start,
        int width, float slack,
        float* mins) where T : struct, ITile where TColumns : struct
    {
        var q = _queries[r];
        float threshold = _threshold[r];
        float kappa = typeof(TColumns) == typeof(WithColumns) ? _kappa![r] : 0f;
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var cB = Vector256.Create(q.CB);
            var cR = Vector256.Create(q.CR);
            var s = Vector256.Create(slack);
            var kv = Vector256.Create(kappa);
            for (; j + 8 <= width; j += 8)
            {
                var t = T.Load8(row, j);
                var lower = t + Vector256.Load(low + j)
                    - (cB * Vector256.Load(b + j) + cR * Vector256.Load(res + j) + s * Vector256.Abs(t));
                if (typeof(TColumns) == typeof(WithColumns))
                    Vector256.Min(Vector256.Load(mins + j), lower + kv).Store(mins + j);
                uint mask = Vector256.LessThanOrEqual(lower, Vector256.Create(threshold)).ExtractMostSignificantBits();
                while (mask != 0)
                {
                    int lane = BitOperations.TrailingZeroCount(mask);
                    mask &= mask - 1;
                    Offer(r, ref threshold, lower.GetElement(lane), T.Load1(row, j + lane), high, b, res, start,
                        j + lane, q, slack);
                }
            }
        }
        for (; j < width; j++)
        {
            float t = T.Load1(row, j);
            float lower = t + low[j] - (q.CB * b[j] + q.CR * res[j] + slack * MathF.Abs(t));
            if (typeof(TColumns) == typeof(WithColumns)) mins[j] = MathF.Min(mins[j], lower + kappa);
            if (lower <= threshold) Offer(r, ref threshold, lower, t, high, b, res, start, j, q, slack);
        }
        _threshold[r] = threshold;
    }

    private void Offer(int r, ref float threshold, float lower, float t, float* high, float* b, float* res, int start,
        int j, in QueryTerms q, float slack)
    {
        int index = start + j;
        // the threshold may have dropped since the compare
        if (lower > threshold || _exclude[r].Contains(_original is null ? index : _original[index])) return;
        float upper = t + high[j] + (q.CB * b[j] + q.CR * res[j] + slack * MathF.Abs(t));
        var heap = _heap[r];
        if (_heapCount[r] < _k)
        {
            Push(heap, ref _heapCount[r], upper);
            if (_heapCount[r] == _k) threshold = Threshold(q, heap[0]);
        }
        else if (upper < heap[0])
        {
            ReplaceRoot(heap, upper);
            threshold = Threshold(q, heap[0]);
        }
        Append(r, lower, index, threshold);
    }

    private void Append(int r, float lower, int index, float threshold)
    {
        if (_count[r] == _lower[r].Length)
        {
            // Full: drop the candidates the threshold has since excluded; grow only if that freed less than half.
            int kept = 0;
            var lo = _lower[r]; var ix = _index[r];
            for (int i = 0; i < _count[r]; i++)
                if (lo[i] <= threshold) { lo[kept] = lo[i]; ix[kept] = ix[i]; kept++; }
            _count[r] = kept;
            if (kept > lo.Length / 2)
            {
                Array.Resize(ref _lower[r], lo.Length * 2);
                Array.Resize(ref _index[r], lo.Length * 2);
            }
        }
        _lower[r][_count[r]] = lower;
        _index[r][_count[r]] = index;
        _count[r]++;
    }

    /// <summary>Per row the surviving candidates (lower bound &lt;= final threshold) sorted by lower bound, and the
    /// thresholds.</summary>
    public (float[] Lower, int[] Index)[] Candidates()
    {
        var result = new (float[], int[])[_queries.Length];
        for (int r = 0; r < result.Length; r++)
        {
            var lo = _lower[r]; var ix = _index[r];
            int kept = 0;
            for (int i = 0; i < _count[r]; i++)
                if (lo[i] <= _threshold[r]) { lo[kept] = lo[i]; ix[kept] = ix[i]; kept++; }
            var l = lo[..kept]; var x = ix[..kept];
            Array.Sort(l, x);
            result[r] = (l, x);
            _lower[r] = []; _index[r] = []; // release as we go
        }
        return result;
    }

    private static void Push(float[] heap, ref int count, float value)
    {
        int i = count++;
        while (i > 0)
        {
            int parent = (i - 1) / 2;
            if (heap[parent] >= value) break;
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = value;
    }

    private static void ReplaceRoot(float[] heap, float value)
    {
        int i = 0, count = heap.Length;
        while (true)
        {
            int child = 2 * i + 1;
            if (child >= count) break;
            if (child + 1 < count && heap[child + 1] > heap[child]) child++;
            if (heap[child] <= value) break;
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = value;
    }
}
