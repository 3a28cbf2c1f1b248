using static TorchSharp.torch;

namespace Reb.Core.Search;

/// <summary>
/// The screen copy of rows, for bank rows and queries alike: (row - mean) in float32 (exactly as the bank's rows are
/// centred), times Scale (a power of two: exact short of float32's range ends), rounded to the screen's dtype; and per
/// row the error bound's terms from the exact float64 values: the squared norm of the scaled centred row and the norm
/// of what the rounding left out. Plain loops over raw memory: libtorch's float64 element-wise ops ran about 50 ns an
/// element on a 2-core machine (110 ms for 2048 queries, 11 s for a 200,000-row bank), these a few ns.
/// </summary>
internal static unsafe class ScreenCopy
{
    /// <summary>The copy of <paramref name="rows"/> ([n, d] float32 CPU); Finite is false when a centred value
    /// overflowed float32 (the copy is then not to be used).</summary>
    public static (Tensor Low, double[] NormSq, double[] Residual, bool Finite) Of(Tensor rows, Tensor mean,
        double scale, ScalarType dtype)
    {
        if (dtype != ScalarType.BFloat16 && dtype != ScalarType.Float32)
            throw new ArgumentException($"ScreenCopy: no screen in {dtype} (bfloat16 or float32 only).", nameof(dtype));
        int n = (int)rows.shape[0], d = (int)rows.shape[1];
        using var values = rows.contiguous();
        using var centre = mean.contiguous();
        var scaled = empty([n, d], ScalarType.Float32);
        float* q = (float*)NativeGemm.DataPointer(values), m = (float*)NativeGemm.DataPointer(centre);
        float* s = (float*)NativeGemm.DataPointer(scaled);
        // One thread: a few ms for a block of queries, and no pool threads held (the search's callers run on them).
        bool overflowed = false;
        for (long i = 0, end = (long)n * d; i < end; i += d)
            for (int j = 0; j < d; j++)
            {
                float centred = q[i + j] - m[j];
                if (!float.IsFinite(centred)) overflowed = true;
                s[i + j] = (float)(centred * scale);
            }
        var low = dtype == ScalarType.Float32 ? scaled : scaled.to(dtype).contiguous();
        if (!ReferenceEquals(low, scaled)) scaled.Dispose();
        var normSq = new double[n];
        var residual = new double[n];
        ushort* lowBf16 = dtype == ScalarType.BFloat16 ? (ushort*)NativeGemm.DataPointer(low) : null;
        float* lowF32 = dtype == ScalarType.Float32 ? (float*)NativeGemm.DataPointer(low) : null;
        for (int r = 0; r < n; r++)
        {
            double norm = 0, rounding = 0;
            for (int j = 0; j < d; j++)
            {
                long i = (long)r * d + j;
                double exact = (double)(q[i] - m[j]) * scale;
                double kept = lowBf16 != null ? BitConverter.UInt32BitsToSingle((uint)lowBf16[i] << 16) : lowF32[i];
                norm += exact * exact;
                rounding += (exact - kept) * (exact - kept);
            }
            normSq[r] = norm;
            residual[r] = Math.Sqrt(rounding);
        }
        return (low, normSq, residual, !overflowed);
    }
}
