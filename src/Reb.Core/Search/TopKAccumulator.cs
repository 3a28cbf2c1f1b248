using System.Runtime.Intrinsics;
using static TorchSharp.torch;

namespace Reb.Core.Search;

/// <summary>
/// Per query row, the kk smallest values seen so far over the bank tiles (a bounded max-heap per row).
/// Why not torch.topk: the scan also adds the per-bank bias ||b||^2 and skips the excluded indices in the same
/// pass, and once a row's heap is full almost every value fails the SIMD compare against the heap's root,
/// so one tile costs about one memory pass instead of bias copy + topk + merge.
/// </summary>
internal sealed unsafe class TopKAccumulator
{
    private readonly int _rows, _kk;
    private readonly float[] _values; // [rows, kk] heap per row, root = largest kept value
    private readonly long[] _indices;
    private readonly int[] _count;

    public TopKAccumulator(int rows, int kk)
    {
        _rows = rows;
        _kk = kk;
        _values = new float[(long)rows * kk];
        _indices = new long[(long)rows * kk];
        _count = new int[rows];
    }

    /// <summary>Scans tile[r, j] + bias[j] (j &lt; width) for all rows; column j is bank index start + j.</summary>
    public void Scan(Tensor tile, Tensor bias, long start, int width, BankRange[] exclude)
    {
        float* c = (float*)NativeGemm.DataPointer(tile);
        float* b = (float*)NativeGemm.DataPointer(bias);
        long ldc = tile.stride(0);
        int parts = Math.Max(1, Math.Min(Environment.ProcessorCount, _rows / 16));
        Parallel.For(0, parts, p =>
        {
            int from = (int)((long)_rows * p / parts), to = (int)((long)_rows * (p + 1) / parts);
            for (int r = from; r < to; r++) ScanRow(r, c + r * ldc, b, start, width, exclude[r]);
        });
    }

    /// <summary>
    /// Scans a bfloat16 tile of computed dot products x = bf16(q.b): the kept value is the LOWER BOUND
    /// bias[j] - 2 x - 2 u' |x| of bias[j] - 2 q.b, u' = 2^-8 / (1 - 2^-8), which absorbs the bfloat16 output
    /// rounding |x - q.b| &lt;= u |q.b| entry by entry (see <see cref="ScreenErrorBound"/>).
    /// </summary>
    public void ScanBf16Dots(Tensor dots, Tensor bias, long start, int width, BankRange[] exclude)
    {
        ushort* c = (ushort*)NativeGemm.DataPointer(dots);
        float* b = (float*)NativeGemm.DataPointer(bias);
        long ldc = dots.stride(0);
        int parts = Math.Max(1, Math.Min(Environment.ProcessorCount, _rows / 16));
        // One float32 row per worker: widen the bfloat16 row to the lower bound, then the usual scan.
        Parallel.For(0, parts, p =>
        {
            var buffer = new float[width];
            fixed (float* lower = buffer)
            {
                int from = (int)((long)_rows * p / parts), to = (int)((long)_rows * (p + 1) / parts);
                for (int r = from; r < to; r++)
                {
                    LowerBounds(c + r * ldc, lower, width);
                    ScanRow(r, lower, b, start, width, exclude[r]);
                }
            }
        });
    }

    private const float OutputSlack = (float)(2.0 / 255.0); // 2 u' = 2 * 2^-8 / (1 - 2^-8), rounded up below

    /// <summary>The per-entry lower bounds of a contiguous bfloat16 dot-product tensor (for tests).</summary>
    internal static float[] LowerBounds(Tensor dots)
    {
        var result = new float[dots.numel()];
        fixed (float* l = result) LowerBounds((ushort*)NativeGemm.DataPointer(dots), l, result.Length);
        return result;
    }

    private static void LowerBounds(ushort* dots, float* lower, int width)
    {
        float slack = MathF.BitIncrement(OutputSlack);
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var minusTwo = Vector256.Create(-2f);
            var s = Vector256.Create(slack);
            for (; j + 8 <= width; j += 8)
            {
                var x = (Vector256.WidenLower(Vector128.Load(dots + j).ToVector256Unsafe()) << 16).AsSingle();
                (x * minusTwo - Vector256.Abs(x) * s).Store(lower + j);
            }
        }
        for (; j < width; j++)
        {
            float x = BitConverter.Int32BitsToSingle(dots[j] << 16);
            lower[j] = -2f * x - MathF.Abs(x) * slack;
        }
    }

    private void ScanRow(int r, float* row, float* bias, long start, int width, BankRange excluded)
    {
        fixed (float* heapValues = &_values[(long)r * _kk])
        fixed (long* heapIndices = &_indices[(long)r * _kk])
        {
            int count = _count[r];
            int j = 0;
            // Fill phase: take everything until the heap is full.
            for (; j < width && count < _kk; j++)
            {
                if (excluded.Contains(start + j)) continue;
                Push(heapValues, heapIndices, ref count, row[j] + bias[j], start + j);
            }
            if (Vector256.IsHardwareAccelerated)
            {
                for (; j + 8 <= width; j += 8)
                {
                    var v = Vector256.Load(row + j) + Vector256.Load(bias + j);
                    uint mask = Vector256.LessThan(v, Vector256.Create(heapValues[0])).ExtractMostSignificantBits();
                    while (mask != 0)
                    {
                        int lane = System.Numerics.BitOperations.TrailingZeroCount(mask);
                        mask &= mask - 1;
                        long index = start + j + lane;
                        float value = v.GetElement(lane);
                        if (value < heapValues[0] && !excluded.Contains(index)) ReplaceRoot(heapValues, heapIndices, count, value, index);
                    }
                }
            }
            for (; j < width; j++)
            {
                float value = row[j] + bias[j];
                if (value < heapValues[0] && !excluded.Contains(start + j)) ReplaceRoot(heapValues, heapIndices, count, value, start + j);
            }
            _count[r] = count;
        }
    }

    private void Push(float* values, long* indices, ref int count, float value, long index)
    {
        int i = count++;
        while (i > 0)
        {
            int parent = (i - 1) / 2;
            if (values[parent] >= value) break;
            values[i] = values[parent]; indices[i] = indices[parent];
            i = parent;
        }
        values[i] = value; indices[i] = index;
    }

    private static void ReplaceRoot(float* values, long* indices, int count, float value, long index)
    {
        int i = 0;
        while (true)
        {
            int child = 2 * i + 1;
            if (child >= count) break;
            if (child + 1 < count && values[child + 1] > values[child]) child++;
            if (values[child] <= value) break;
            values[i] = values[child]; indices[i] = indices[child];
            i = child;
        }
        values[i] = value; indices[i] = index;
    }

    /// <summary>[rows, kk] kept values (unsorted) and bank indices; rows with fewer than kk get +inf / -1 padding.</summary>
    public (Tensor Values, Tensor Indices) ToTensors()
    {
        for (int r = 0; r < _rows; r++)
            for (int i = _count[r]; i < _kk; i++)
            {
                _values[(long)r * _kk + i] = float.PositiveInfinity;
                _indices[(long)r * _kk + i] = -1;
            }
        return (tensor(_values).reshape(_rows, _kk), tensor(_indices).reshape(_rows, _kk));
    }
}
