using TorchSharp;
using static TorchSharp.torch;

namespace Reb.Core.Search;

/// <summary>
/// A bank prepared once for many exact kNN searches: the float32 vectors, their mean, the centred bfloat16
/// copy used by the screen, and the squared norms of the centred vectors (the screen's fused bias).
/// Centring by the bank mean leaves distances unchanged but shrinks the norms the screening error bound
/// grows with (CNN features share a large positive offset).
/// </summary>
public sealed class KnnBank : IDisposable
{
    private const int PrepareRows = 16384; // rows centred at a time: bounds the temporaries of Create

    private KnnBank(Tensor vectors, Tensor mean, Tensor? centredBf16, Tensor centredNormsSq, double maxCentredNorm,
        double maxRoundingResidual, Tensor rawNormsSq, double maxRawNorm)
    {
        RawNormsSq = rawNormsSq;
        MaxRawNorm = maxRawNorm;
        MaxRoundingResidual = maxRoundingResidual;
        Vectors = vectors;
        Mean = mean;
        CentredBf16 = centredBf16;
        CentredNormsSq = centredNormsSq;
        MaxCentredNorm = maxCentredNorm;
    }

    /// <summary>Number of bank vectors.</summary>
    public long Count => Vectors.shape[0];

    /// <summary>Vector dimension.</summary>
    public int Dim => (int)Vectors.shape[1];

    /// <summary>[n, d] float32 bank vectors (shares storage with the tensor given to <see cref="Create"/> when it was contiguous).</summary>
    public Tensor Vectors { get; }

    /// <summary>[d] float32 mean of the bank, subtracted before screening.</summary>
    internal Tensor Mean { get; }

    /// <summary>[n, d] bfloat16 of (vector - mean); null when the bank was prepared for float32 screening only.</summary>
    internal Tensor? CentredBf16 { get; }

    /// <summary>[n] float32 squared norms of float32(vector - mean).</summary>
    internal Tensor CentredNormsSq { get; }

    /// <summary>Upper bound of the norm of every centred vector (slightly inflated against rounding).</summary>
    internal double MaxCentredNorm { get; }

    /// <summary>[n] float32 squared norms of the raw vectors (bias of the float32 screen).</summary>
    internal Tensor RawNormsSq { get; }

    /// <summary>Upper bound of the norm of every raw vector.</summary>
    internal double MaxRawNorm { get; }

    /// <summary>Upper bound of ||(vector - mean) - bfloat16(vector - mean)|| over the bank (0 without the bfloat16 copy).</summary>
    internal double MaxRoundingResidual { get; }

    /// <summary>Prepares <paramref name="bank"/> ([n, d] float32 on the CPU) for searching.</summary>
    /// <exception cref="ArgumentException">Not a finite 2-D float32 CPU tensor with at least one row.</exception>
    public static KnnBank Create(Tensor bank, KnnOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(bank);
        options ??= KnnOptions.Default;
        options.Validate();
        if (bank.dim() != 2) throw new ArgumentException($"KnnBank.Create: bank must be 2-D [n, d], got shape [{string.Join(", ", bank.shape)}].", nameof(bank));
        if (bank.dtype != ScalarType.Float32) throw new ArgumentException($"KnnBank.Create: bank must be float32, got {bank.dtype}.", nameof(bank));
        if (bank.device_type != DeviceType.CPU) throw new ArgumentException($"KnnBank.Create: bank must be on the CPU, got {bank.device}.", nameof(bank));
        if (bank.shape[0] < 1 || bank.shape[1] < 1) throw new ArgumentException($"KnnBank.Create: bank is empty (shape [{string.Join(", ", bank.shape)}]).", nameof(bank));

        long n = bank.shape[0];
        long d = bank.shape[1];
        var vectors = bank.detach().contiguous();
        if (!vectors.isfinite().all().item<bool>())
        {
            vectors.Dispose();
            throw new ArgumentException("KnnBank.Create: bank contains NaN or infinite values.", nameof(bank));
        }

        bool wantBf16 = options.Precision == KnnPrecision.Bf16Screened;
        var mean = vectors.mean(new long[] { 0 }, false, ScalarType.Float64).to(ScalarType.Float32);
        var normsSq = empty(n, ScalarType.Float32);
        var rawNormsSq = empty(n, ScalarType.Float32);
        var bf16 = wantBf16 ? empty(new[] { n, d }, ScalarType.BFloat16) : null;
        double maxNormSq = 0, maxResidualSq = 0, maxRawSq = 0;
        for (long start = 0; start < n; start += PrepareRows)
        {
            using var scope = NewDisposeScope();
            long rows = Math.Min(PrepareRows, n - start);
            var raw = vectors.narrow(0, start, rows);
            var rawSq = raw.to(ScalarType.Float64).pow(2).sum(1);
            rawNormsSq.narrow(0, start, rows).copy_(rawSq);
            maxRawSq = Math.Max(maxRawSq, rawSq.max().item<double>());
            var centred = raw - mean;
            var sq = centred.to(ScalarType.Float64).pow(2).sum(1);
            normsSq.narrow(0, start, rows).copy_(sq);
            maxNormSq = Math.Max(maxNormSq, sq.max().item<double>());
            if (bf16 is null) continue;
            var rounded = centred.to(ScalarType.BFloat16);
            bf16.narrow(0, start, rows).copy_(rounded);
            var residualSq = (centred.to(ScalarType.Float64) - rounded.to(ScalarType.Float64)).pow(2).sum(1);
            maxResidualSq = Math.Max(maxResidualSq, residualSq.max().item<double>());
        }
        // The bank owns these until Dispose: keep them out of any dispose scope the caller happens to be in.
        foreach (var owned in new[] { vectors, mean, normsSq, rawNormsSq }) owned.DetachFromDisposeScope();
        bf16?.DetachFromDisposeScope();
        return new KnnBank(vectors, mean, bf16, normsSq, Math.Sqrt(maxNormSq) * (1 + 1e-6), Math.Sqrt(maxResidualSq) * (1 + 1e-6),
            rawNormsSq, Math.Sqrt(maxRawSq) * (1 + 1e-6));
    }

    /// <summary>Releases the prepared copies (and this bank's reference to the vectors).</summary>
    public void Dispose()
    {
        Vectors.Dispose();
        Mean.Dispose();
        CentredBf16?.Dispose();
        CentredNormsSq.Dispose();
        RawNormsSq.Dispose();
    }
}
