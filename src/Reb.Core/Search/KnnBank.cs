using TorchSharp;
using static TorchSharp.torch;

namespace Reb.Core.Search;

/// <summary>
/// A bank prepared once for many exact kNN searches: the float32 vectors (for the exact distances) and the screen
/// copy: (vector - mean) * Scale in bfloat16 (or float32), with per-row bounds used by <see cref="ScreenErrorBound"/>.
/// Why centre: distances are unchanged but the norms the error bound grows with shrink (CNN features share a large
/// positive offset). Why scale by a power of two (exact): the screen then works at unit scale, so neither tiny data
/// (products underflowing float32) nor huge data (squares overflowing) reaches the ends of the float32 range.
/// </summary>
public sealed class KnnBank : IDisposable
{
    // rows prepared at a time: bounds the temporaries of Create (no full-size copies)
    private const int PrepareRows = 8192;

    private KnnBank(Tensor vectors, Tensor mean, double scale, Tensor screen, ScreenRowBounds rows)
    {
        Vectors = vectors;
        Mean = mean;
        Scale = scale;
        Screen = screen;
        Rows = rows;
    }

    /// <summary>Number of bank vectors.</summary>
    public long Count => Vectors.shape[0];

    /// <summary>Vector dimension.</summary>
    public int Dim => (int)Vectors.shape[1];

    /// <summary>[n, d] float32 bank vectors (shares storage with the tensor given to <see cref="Create"/> when it was
    /// contiguous).</summary>
    public Tensor Vectors { get; }

    /// <summary>[d] float32 mean of the bank, subtracted before screening.</summary>
    internal Tensor Mean { get; }

    /// <summary>Power of two the centred vectors are multiplied by for the screen (largest centred norm becomes &lt;=
    /// 1).</summary>
    internal double Scale { get; }

    /// <summary>[n, d] screen copy of (vector - mean) * Scale: bfloat16, or float32 when the bfloat16 screen is
    /// unusable.</summary>
    internal Tensor Screen { get; }

    /// <summary>True when <see cref="Screen"/> is bfloat16.</summary>
    internal bool ScreensInBf16 => Screen.dtype == ScalarType.BFloat16;

    /// <summary>Per-row screen terms and error-bound inputs (scaled domain).</summary>
    internal ScreenRowBounds Rows { get; }

    /// <summary>Prepares <paramref name="bank"/> ([n, d] float32 on the CPU) for searching.</summary>
    /// <exception cref="ArgumentException">Not a finite 2-D float32 CPU tensor with at least one row, or a bank whose
    /// squared distances would overflow float32.</exception>
    public static KnnBank Create(Tensor bank, KnnOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(bank);
        options ??= KnnOptions.Default;
        options.Validate();
        if (bank.dim() != 2) throw new ArgumentException(
            $"KnnBank.Create: bank must be 2-D [n, d], got shape [{string.Join(", ", bank.shape)}].", nameof(bank));
        if (bank.dtype != ScalarType.Float32)
            throw new ArgumentException($"KnnBank.Create: bank must be float32, got {bank.dtype}.", nameof(bank));
        if (bank.device_type != DeviceType.CPU)
            throw new ArgumentException($"KnnBank.Create: bank must be on the CPU, got {bank.device}.", nameof(bank));
        if (bank.shape[0] < 1 || bank.shape[1] < 1) throw new ArgumentException(
            $"KnnBank.Create: bank is empty (shape [{string.Join(", ", bank.shape)}]).", nameof(bank));
        if (bank.shape[0] >= int.MaxValue) throw new ArgumentException(
            $"KnnBank.Create: at most {int.MaxValue - 1} rows are supported (got {bank.shape[0]}).", nameof(bank));

        long n = bank.shape[0];
        long d = bank.shape[1];
        var vectors = bank.detach().contiguous();
        try
        {
            var mean = ColumnMean(vectors, n, d);
            // First pass, float32 only (exact): the largest centred coordinate m, which fixes the scale and finds bad
            // values.
            // A norm is between m and sqrt(d) m, so scaling sqrt(d) m to (1/2, 1] keeps every row at unit scale or
            // below.
            double maxAbs = 0;
            ForChunks(n, (start, rows) => maxAbs = Math.Max(maxAbs, CheckedMaxAbs(vectors, mean, start, rows)));
            double reach = maxAbs * Math.Sqrt(d);
            // 2^-e with reach * 2^-e in (1/2, 1]: multiplying by it is exact (barring underflow, which the measured
            // residuals cover).
            double scale = reach > 0 ? Math.ScaleB(1.0, -Math.ILogB(reach) - 1) : 1.0;

            bool onDevice = options.ScreenDevice is { } dev && dev.type != DeviceType.CPU;
            bool bf16 = !onDevice && options.Precision == KnnPrecision.Bf16Screened
                && ScreenPrecisionProbe.Bf16GemmAccumulatesInFloat32;
            var screen = empty(new[] { n, d }, bf16 ? ScalarType.BFloat16 : ScalarType.Float32);
            var bounds = new ScreenRowBounds((int)n, (int)d);
            double maxNorm = PrepareScreenRows(vectors, mean, scale, screen, bounds, 0, n);
            // Two bank rows are at most 2 maxNorm apart: beyond sqrt(float.MaxValue) their squared distance is no
            // float32.
            if (2 * maxNorm * (1 + 1e-6) >= Math.Sqrt(float.MaxValue))
            {
                foreach (var t in new[] { mean, screen }) t.Dispose();
                throw new ArgumentException($"KnnBank.Create: the bank spreads {maxNorm:G3} around its mean; squared " +
                    "distances between its rows would overflow float32.", nameof(bank));
            }
            if (onDevice)
            {
                var moved = screen.to(options.ScreenDevice!);
                screen.Dispose();
                screen = moved;
            }
            // The bank owns these until Dispose: keep them out of any dispose scope the caller happens to be in.
            foreach (var owned in new[] { vectors, mean, screen }) owned.DetachFromDisposeScope();
            return new KnnBank(vectors, mean, scale, screen, bounds) { MaxCentredNorm = maxNorm };
        }
        catch
        {
            vectors.Dispose();
            throw;
        }
    }

    /// <summary>Largest distance of a bank row from <see cref="Mean"/> (the overflow check of appended rows).</summary>
    internal double MaxCentredNorm { get; private init; }

    /// <summary>
    /// A new bank: these rows followed by <paramref name="rows"/> ([m, d] float32 CPU), with this bank's mean and
    /// scale.
    /// Only the new rows are prepared; the old screen rows and bounds are copied. The kernel's answer does not depend
    /// on
    /// the mean and scale a bank is screened with (they only keep the screen at unit scale, and the error bound holds
    /// for any norms), so searches give exactly what a bank prepared from scratch on the union gives, at a cost linear
    /// in the new rows plus two copies. This bank is left as it was (dispose it separately).
    /// </summary>
    /// <exception cref="ArgumentException">Bad shape, type or values, or rows whose distances would overflow
    /// float32.</exception>
    public KnnBank Append(Tensor rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.dim() != 2 || rows.shape[1] != Dim || rows.dtype != ScalarType.Float32
            || rows.device_type != DeviceType.CPU)
            throw new ArgumentException($"KnnBank.Append: rows must be float32 [m, {Dim}] on the CPU, got " +
                $"{rows.dtype} [{string.Join(", ", rows.shape)}] on {rows.device}.", nameof(rows));
        long n = Count, m = rows.shape[0], d = Dim;
        if (m < 1) throw new ArgumentException("KnnBank.Append: no rows to append.", nameof(rows));
        if (n + m >= int.MaxValue) throw new ArgumentException(
            $"KnnBank.Append: at most {int.MaxValue - 1} rows are supported.", nameof(rows));
        var added = rows.detach().contiguous();
        Tensor? vectors = null, screen = null;
        try
        {
            ForChunks(m, (start, count) => CheckedMaxAbs(added, Mean, start, count));
            vectors = cat(new[] { Vectors, added }, 0);
            screen = empty(new[] { n + m, d }, Screen.dtype, device: Screen.device);
            screen.narrow(0, 0, n).copy_(Screen);
            var bounds = Rows.Extended((int)(n + m));
            double maxNew;
            using (var tail = screen.narrow(0, n, m)) // the new rows' screen copies go straight into place
                maxNew = PrepareScreenRows(added, Mean, Scale, tail, bounds, n, m);
            double maxNorm = Math.Max(MaxCentredNorm, maxNew);
            if (2 * maxNorm * (1 + 1e-6) >= Math.Sqrt(float.MaxValue))
                throw new ArgumentException($"KnnBank.Append: the rows lie {maxNew:G3} from the bank mean; squared " +
                    "distances would overflow float32.", nameof(rows));
            var mean = Mean.clone();
            foreach (var owned in new[] { vectors, mean, screen }) owned.DetachFromDisposeScope();
            return new KnnBank(vectors, mean, Scale, screen, bounds) { MaxCentredNorm = maxNorm };
        }
        catch
        {
            vectors?.Dispose();
            screen?.Dispose();
            throw;
        }
        finally
        {
            added.Dispose();
        }
    }

    /// <summary>
    /// Screen copies of the <paramref name="count"/> rows of <paramref name="source"/> into rows 0.. of
    /// <paramref name="screen"/>, their bounds into rows <paramref name="at"/>.. of <paramref name="bounds"/>; returns
    /// the largest centred norm. Create and Append share it, so an appended row is prepared exactly as Create would.
    /// </summary>
    private static double PrepareScreenRows(Tensor source, Tensor mean, double scale, Tensor screen,
        ScreenRowBounds bounds, long at, long count)
    {
        double maxNormSq = 0;
        var dtype = screen.dtype;
        ForChunks(count, (start, rows) =>
        {
            // the rows were checked finite, and finite once centred, before
            var (low, normSq, residual, _) = ScreenCopy.Of(source.narrow(0, start, rows), mean, scale, dtype);
            screen.narrow(0, start, rows).copy_(low);
            maxNormSq = Math.Max(maxNormSq, normSq.Max());
            bounds.Set((int)(at + start), normSq, residual);
        });
        return Math.Sqrt(maxNormSq) / scale;
    }

    /// <summary>max |fl32(row - mean)| over rows [start, start + count); NaN, infinities and overflow are
    /// refused.</summary>
    private static unsafe double CheckedMaxAbs(Tensor vectors, Tensor mean, long start, long count)
    {
        using var raw = vectors.narrow(0, start, count).contiguous();
        using var centre = mean.contiguous();
        float* v = (float*)NativeGemm.DataPointer(raw), c = (float*)NativeGemm.DataPointer(centre);
        int d = (int)vectors.shape[1];
        float m = 0;
        bool bad = false;
        for (long i = 0; i < count * d; i += d)
            for (int j = 0; j < d; j++)
            {
                float a = Math.Abs(v[i + j] - c[j]);
                if (!float.IsFinite(a)) bad = true;
                else if (a > m) m = a;
            }
        if (!bad) return m;
        if (!raw.isfinite().all().item<bool>())
            throw new ArgumentException(
                $"KnnBank.Create: bank rows {start}..{start + count - 1} contain NaN or infinite values.", "bank");
        throw new ArgumentException($"KnnBank.Create: bank rows {start}..{start + count - 1} overflow float32 once " +
            "the bank mean is subtracted.", "bank");
    }

    /// <summary>float64 column mean in row order, one plain loop (libtorch's float64 sums were seconds on a 200,000-row
    /// bank; one thread holds no pool threads from the callers).</summary>
    private static unsafe Tensor ColumnMean(Tensor vectors, long n, long d)
    {
        float* v = (float*)NativeGemm.DataPointer(vectors); // contiguous (Create made it so)
        var sum = new double[d];
        for (long i = 0, end = n * d; i < end; i += d)
            for (int j = 0; j < d; j++) sum[j] += v[i + j];
        return tensor(sum.Select(x => (float)(x / n)).ToArray());
    }

    private static void ForChunks(long n, Action<long, long> body)
    {
        for (long start = 0; start < n; start += PrepareRows)
        {
            using var scope = NewDisposeScope();
            body(start, Math.Min(PrepareRows, n - start));
        }
    }

    /// <summary>Bytes this bank holds: float32 vectors, screen copy, mean and per-row bounds (what a silo's memory
    /// budget counts).</summary>
    public long ResidentBytes =>
        TensorBytes(Vectors) + TensorBytes(Screen) + TensorBytes(Mean) + 4L * sizeof(float) * Rows.B.LongLength;

    internal static long TensorBytes(Tensor t) => t.NumberOfElements * t.ElementSize;

    /// <summary>Releases the prepared copies (and this bank's reference to the vectors).</summary>
    public void Dispose()
    {
        Vectors.Dispose();
        Mean.Dispose();
        Screen.Dispose();
    }
}
