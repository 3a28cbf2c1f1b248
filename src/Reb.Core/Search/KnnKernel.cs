using TorchSharp;
using static TorchSharp.torch;

namespace Reb.Core.Search;

/// <summary>
/// The project's one exact kNN kernel (squared L2). Per block of queries: a screening GEMM (bfloat16 or
/// float32) keeps the k + m best candidates, these are re-ranked by exact direct distances, and each query
/// is certified with a rigorous bound on the screen error (<see cref="ScreenErrorBound"/>): it is certified when
/// screen((k+m)-th) - E(q) >= exact k-th distance, i.e. no unscreened bank vector can be nearer. Queries the
/// bfloat16 screen cannot certify are searched again with the float32 screen; those it cannot certify either
/// (near-ties) are brute-forced. The result therefore equals a float32-exact search (ties in any order).
/// </summary>
public static class KnnKernel
{
    /// <summary>
    /// The k nearest bank vectors of every query, ascending squared L2 distances.
    /// </summary>
    /// <param name="bank">Prepared bank.</param>
    /// <param name="queries">[q, d] float32 CPU queries.</param>
    /// <param name="k">Neighbours per query (1 &lt;= k &lt;= bank size, minus one when excluding).</param>
    /// <param name="exclude">Optional [q] int64: the bank index each query must not return (-1 = none).</param>
    /// <param name="options">Tile sizes, precision, screen extra; defaults when null.</param>
    /// <param name="progress">Receives the fraction of queries done after each block.</param>
    /// <param name="stats">Optional counters of fallbacks (accumulated).</param>
    /// <param name="excludeRanges">Optional per query: a range of bank indices it must not return (instead of <paramref name="exclude"/>).</param>
    public static KnnResult Search(KnnBank bank, Tensor queries, int k, Tensor? exclude = null,
        KnnOptions? options = null, IProgress<double>? progress = null, KnnSearchStats? stats = null,
        BankRange[]? excludeRanges = null)
    {
        ArgumentNullException.ThrowIfNull(bank);
        ArgumentNullException.ThrowIfNull(queries);
        options ??= KnnOptions.Default;
        options.Validate();
        BankRange[] excluded = Validate(bank, queries, k, exclude, excludeRanges);
        long count = queries.shape[0];
        int kk = (int)Math.Min(k + (long)options.ExtraFor(k), bank.Count);
        bool allCandidates = kk >= bank.Count; // every bank vector is re-ranked: nothing to certify
        var primary = options.Precision == KnnPrecision.Bf16Screened && bank.CentredBf16 is not null
            ? KnnPrecision.Bf16Screened : KnnPrecision.Float32;
        if (stats is not null) { stats.Queries += count; stats.UsedBf16Gemm |= primary == KnnPrecision.Bf16Screened; }

        var distances = new float[count * k];
        var indices = new long[count * k];
        using var q32 = queries.contiguous();
        for (long start = 0; start < count; start += options.QueryChunk)
        {
            using var scope = NewDisposeScope();
            int rows = (int)Math.Min(options.QueryChunk, count - start);
            var block = q32.narrow(0, start, rows);
            if (!block.isfinite().all().item<bool>())
                throw new ArgumentException($"KnnKernel.Search: queries {start}..{start + rows - 1} contain NaN or infinite values.", nameof(queries));
            var blockExclude = excluded.AsSpan((int)start, rows).ToArray();
            var (d, i, pending) = SearchBlock(bank, block, blockExclude, k, kk, primary, allCandidates, options.BankChunk);
            if (pending.Count > 0 && primary == KnnPrecision.Bf16Screened)
            {
                if (stats is not null) stats.Float32Fallbacks += pending.Count;
                using var rowsT = tensor(pending.Select(r => (long)r).ToArray());
                using var retry = block.index_select(0, rowsT);
                var (d2, i2, pending2) = SearchBlock(bank, retry, pending.Select(r => blockExclude[r]).ToArray(),
                    k, kk, KnnPrecision.Float32, allCandidates, options.BankChunk);
                for (int j = 0; j < pending.Count; j++)
                {
                    Array.Copy(d2, (long)j * k, d, (long)pending[j] * k, k);
                    Array.Copy(i2, (long)j * k, i, (long)pending[j] * k, k);
                }
                pending = pending2.Select(j => pending[j]).ToList();
            }
            foreach (int r in pending)
            {
                if (stats is not null) stats.BruteForceFallbacks++;
                using var one = block[r];
                var (bd, bi) = ExactDistances.BruteForce(bank, one, blockExclude[r], k);
                Array.Copy(bd, 0, d, (long)r * k, k);
                Array.Copy(bi, 0, i, (long)r * k, k);
            }
            for (long j = 0; j < (long)rows * k; j++) distances[start * k + j] = (float)d[j];
            Array.Copy(i, 0, indices, start * k, (long)rows * k);
            progress?.Report((double)(start + rows) / count);
        }
        return new KnnResult(tensor(distances).reshape(count, k), tensor(indices).reshape(count, k));
    }

    /// <summary>Screens, re-ranks and certifies one block; returns float64 distances, indices ([rows * k]) and
    /// the rows that could not be certified.</summary>
    private static (double[] Distances, long[] Indices, List<int> Uncertified) SearchBlock(KnnBank bank, Tensor block,
        BankRange[] exclude, int k, int kk, KnnPrecision precision, bool allCandidates, int bankChunk)
    {
        using var scope = NewDisposeScope();
        bool bf16 = precision == KnnPrecision.Bf16Screened;
        // The bfloat16 screen works on centred vectors (smaller norms, smaller error bound); the float32
        // screen on raw ones (its bound is tiny anyway, and this saves a centring pass over the bank).
        var screened = bf16 ? block - bank.Mean : block;
        var screened64 = screened.to(ScalarType.Float64);
        var normsSq = screened64.pow(2).sum(1).data<double>().ToArray();
        var residualSq = bf16
            ? (screened64 - screened.to(ScalarType.BFloat16).to(ScalarType.Float64)).pow(2).sum(1).data<double>().ToArray()
            : new double[normsSq.Length];
        // screen = per query the kk smallest LOWER BOUNDS of ||b||^2 - 2 q.b (output rounding absorbed).
        var (screen, candidates) = ScreenPass.Run(bank, screened, exclude, kk, precision, bankChunk);
        var candidateArray = candidates.data<long>().ToArray();
        var (dist, idx) = ExactDistances.Rerank(bank, block, candidateArray, kk, exclude, k);
        var uncertified = new List<int>();
        if (!allCandidates)
        {
            // Largest kept screen value = the (k+m)-th smallest over the bank: every other vector screens at least that.
            var lastScreen = screen.max(1).values.to(ScalarType.Float64).data<double>().ToArray();
            double nb = bf16 ? bank.MaxCentredNorm : bank.MaxRawNorm;
            double rb = bf16 ? bank.MaxRoundingResidual : 0;
            for (int r = 0; r < normsSq.Length; r++)
            {
                double kth = dist[(long)r * k + k - 1];
                if (kth == 0) continue; // distances are >= 0: a zero k-th distance cannot be beaten
                double bound = ScreenErrorBound.For(bank.Dim, Math.Sqrt(normsSq[r]) * (1 + 1e-6), Math.Sqrt(residualSq[r]) * (1 + 1e-6), nb, rb);
                if (!(normsSq[r] + lastScreen[r] - bound >= kth * (1 + 1e-9))) uncertified.Add(r);
            }
        }
        return (dist, idx, uncertified);
    }

    private static BankRange[] Validate(KnnBank bank, Tensor queries, int k, Tensor? exclude, BankRange[]? excludeRanges)
    {
        if (queries.dim() != 2) throw new ArgumentException($"KnnKernel.Search: queries must be 2-D [q, d], got shape [{string.Join(", ", queries.shape)}].", nameof(queries));
        if (queries.dtype != ScalarType.Float32) throw new ArgumentException($"KnnKernel.Search: queries must be float32, got {queries.dtype}.", nameof(queries));
        if (queries.device_type != DeviceType.CPU) throw new ArgumentException($"KnnKernel.Search: queries must be on the CPU, got {queries.device}.", nameof(queries));
        if (queries.shape[1] != bank.Dim) throw new ArgumentException($"KnnKernel.Search: query dimension {queries.shape[1]} does not match the bank dimension {bank.Dim}.", nameof(queries));
        if (k < 1) throw new ArgumentException($"KnnKernel.Search: k must be >= 1 (got {k}).", nameof(k));
        if (exclude is not null && excludeRanges is not null)
            throw new ArgumentException("KnnKernel.Search: give either exclude or excludeRanges, not both.", nameof(excludeRanges));
        long count = queries.shape[0];
        var excluded = new BankRange[count];
        if (exclude is not null)
        {
            if (exclude.dim() != 1 || exclude.shape[0] != count || exclude.dtype != ScalarType.Int64)
                throw new ArgumentException($"KnnKernel.Search: exclude must be a [q] = [{count}] int64 tensor, got {exclude.dtype} [{string.Join(", ", exclude.shape)}].", nameof(exclude));
            var indices = exclude.contiguous().data<long>().ToArray();
            for (long i = 0; i < count; i++)
            {
                long e = indices[i];
                if (e < -1 || e >= bank.Count) throw new ArgumentException($"KnnKernel.Search: exclude index {e} is outside the bank [0, {bank.Count}) (use -1 for none).", nameof(exclude));
                excluded[i] = BankRange.Single(e);
            }
        }
        else if (excludeRanges is not null)
        {
            if (excludeRanges.LongLength != count)
                throw new ArgumentException($"KnnKernel.Search: excludeRanges has {excludeRanges.Length} entries for {count} queries.", nameof(excludeRanges));
            foreach (var r in excludeRanges)
                if (r.Start < 0 || r.End < r.Start || r.End > bank.Count)
                    throw new ArgumentException($"KnnKernel.Search: exclude range [{r.Start}, {r.End}) is not inside the bank [0, {bank.Count}).", nameof(excludeRanges));
            Array.Copy(excludeRanges, excluded, count);
        }
        long widest = excluded.Length == 0 ? 0 : excluded.Max(r => r.Length);
        long available = bank.Count - widest;
        if (k > available) throw new ArgumentException($"KnnKernel.Search: k = {k} exceeds the {available} bank vectors available{(widest > 0 ? " after exclusion" : "")}.", nameof(k));
        return excluded;
    }
}
