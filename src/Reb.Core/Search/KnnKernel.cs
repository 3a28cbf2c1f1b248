using TorchSharp;
using static TorchSharp.torch;

namespace Reb.Core.Search;

/// <summary>
/// The project's one exact kNN kernel (squared L2). Per block of queries: a screening GEMM (bfloat16 with float32
/// accumulation and output, or float32) over the centred, scaled bank; a scan that keeps every bank row whose rigorous
/// lower bound (<see cref="ScreenErrorBound"/>, per query and per row) does not exceed the running k-th upper bound
/// (<see cref="CandidateScan"/>); exact float64 distances of those candidates only, in lower-bound order, stopping as
/// soon as the bound proves the rest farther (<see cref="ExactDistances"/>). Nothing is certified after the fact and
/// nothing falls back to a whole-bank pass: the candidate set provably holds the answer, however many rows repeat.
/// Result = float32-exact search with the project's tie rule: ascending float32 distance, equal float32 distances
/// to the lowest bank index (the same rule as the shard merge, Reb.Grains NearestMerge).
/// </summary>
public static class KnnKernel
{
    /// <summary>
    /// The answer of a search that filled <paramref name="distances"/> and <paramref name="indices"/> ([count, k]),
    /// refusing queries whose k-th squared distance overflowed float32 (shared by the flat and the cell search).
    /// </summary>
    internal static KnnResult ToResult(float[] distances, long[] indices, long count, int k)
    {
        for (long i = 0; i < count; i++)
            if (float.IsPositiveInfinity(distances[i * k + k - 1]))
                throw new ArgumentException($"KnnKernel.Search: query {i}: its squared distances overflow float32 " +
                    "(the inputs are too large for a float32 result).", "queries");
        return new KnnResult(tensor(distances).reshape(count, k), tensor(indices).reshape(count, k));
    }

    /// <summary>Queries farther than this from the bank mean, in units of the bank's largest centred norm, are refused:
    /// the screen's float32 products would lose the bank's structure (and overflow long before float32 does).</summary>
    private const double MaxQueryReach = 1L << 40;

    /// <summary>
    /// The k nearest bank vectors of every query, ascending squared L2 distances (ties: lowest bank index).
    /// </summary>
    /// <param name="bank">Prepared bank.</param>
    /// <param name="queries">[q, d] float32 CPU queries.</param>
    /// <param name="k">Neighbours per query (1 &lt;= k &lt;= bank size, minus the excluded rows).</param>
    /// <param name="exclude">Optional [q] int64: the bank index each query must not return (-1 = none).</param>
    /// <param name="options">Tile sizes; defaults when null (the screen precision is the bank's).</param>
    /// <param name="progress">Receives the fraction of queries done after each block.</param>
    /// <param name="stats">Optional counters (accumulated).</param>
    /// <param name="excludeRanges">Optional per query: a range of bank indices it must not return (instead of <paramref
    /// name="exclude"/>).</param>
    /// <exception cref="ArgumentException">Bad shapes or types, non-finite queries, a query absurdly far from the bank,
    /// or a k-th squared distance beyond float32's range.</exception>
    public static KnnResult Search(KnnBank bank, Tensor queries, int k, Tensor? exclude = null,
        KnnOptions? options = null, IProgress<double>? progress = null, KnnSearchStats? stats = null,
        BankRange[]? excludeRanges = null) =>
        Search(bank, queries, k, exclude, options, progress, stats, excludeRanges, columns: null);

    /// <summary>The search, also gathering per bank row the least lower bound to any query when <paramref
    /// name="columns"/> is given.</summary>
    internal static KnnResult Search(KnnBank bank, Tensor queries, int k, Tensor? exclude, KnnOptions? options,
        IProgress<double>? progress,
        KnnSearchStats? stats, BankRange[]? excludeRanges, ColumnLowerBounds? columns)
    {
        ArgumentNullException.ThrowIfNull(bank);
        ArgumentNullException.ThrowIfNull(queries);
        options ??= KnnOptions.Default;
        options.Validate();
        BankRange[] excluded = Validate(bank, queries, k, exclude, excludeRanges);
        long count = queries.shape[0];
        if (stats is not null) { stats.Queries += count; stats.RowsScanned += count * bank.Count; stats.UsedBf16Gemm |=
            bank.ScreensInBf16; }

        var distances = new float[count * k];
        var indices = new long[count * k];
        using var q32 = queries.contiguous();
        for (long start = 0; start < count; start += options.QueryChunk)
        {
            using var scope = NewDisposeScope();
            int rows = (int)Math.Min(options.QueryChunk, count - start);
            var block = q32.narrow(0, start, rows);
            var blockExclude = excluded.AsSpan((int)start, rows).ToArray();
            long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            var (low, terms) = PrepareQueries(bank, block, start);
            long t1 = System.Diagnostics.Stopwatch.GetTimestamp();
            var scan = new CandidateScan(bank.Rows, terms, blockExclude, k, columns);
            ScreenPass.Run(bank, low, scan, options);
            var candidates = scan.Candidates();
            long t2 = System.Diagnostics.Stopwatch.GetTimestamp();
            if (stats is not null) stats.Candidates += candidates.Sum(c => (long)c.Index.Length);
            ExactDistances.Rerank(bank, block, candidates, terms, k, distances, indices, start, stats);
            stats?.AddStageTimes(t0, t1, t2);
            progress?.Report((double)(start + rows) / count);
        }
        return KnnKernel.ToResult(distances, indices, count, k);
    }

    /// <summary>
    /// The queries' screen copies (centred in float32 like the bank, times Scale, in the bank's screen dtype) and per
    /// query the bound's terms: norm Nq and measured rounding residual Rq, both in float64.
    /// </summary>
    internal static (Tensor Low, CandidateScan.QueryTerms[] Terms) PrepareQueries(KnnBank bank, Tensor block,
        long start)
    {
        int rows = (int)block.shape[0];
        if (!block.isfinite().all().item<bool>())
            throw new ArgumentException($"KnnKernel.Search: queries {start}..{start + rows - 1} contain NaN or " +
                "infinite values.", "queries");
        var (low, normSq, residual, finite) = ScreenCopy.Of(block, bank.Mean, bank.Scale, bank.Screen.dtype);
        if (!finite)
            throw new ArgumentException($"KnnKernel.Search: queries {start}..{start + rows - 1} overflow float32 " +
                "once the bank mean is subtracted.", "queries");
        // Float32 distances below 2^-126 are denormal with spacing 2^-149: measured in the scan's units (times
        // Scale^2).
        double absolute = Math.ScaleB(1.0, -148) * bank.Scale * bank.Scale;
        var terms = new CandidateScan.QueryTerms[rows];
        for (int r = 0; r < rows; r++)
        {
            double nq = Math.Sqrt(normSq[r]) * (1 + 1e-9), rq = residual[r] * (1 + 1e-9);
            if (nq > MaxQueryReach)
                throw new ArgumentException($"KnnKernel.Search: query {start + r} lies {nq:G3} times the bank's " +
                    "radius from the bank mean; exact float32 distances cannot be resolved that far out.", "queries");
            var (c0, cB, cR) = ScreenErrorBound.QueryTerms(bank.Dim, nq, rq);
            terms[r] =
                new CandidateScan.QueryTerms(normSq[r], c0, ScreenRowBounds.Up(cB), ScreenRowBounds.Up(cR), absolute);
        }
        return (low, terms);
    }

    internal static BankRange[] Validate(KnnBank bank, Tensor queries, int k, Tensor? exclude,
        BankRange[]? excludeRanges)
    {
        if (queries.dim() != 2) throw new ArgumentException("KnnKernel.Search: queries must be 2-D [q, d], got shape " +
            $"[{string.Join(", ", queries.shape)}].", nameof(queries));
        if (queries.dtype != ScalarType.Float32) throw new ArgumentException(
            $"KnnKernel.Search: queries must be float32, got {queries.dtype}.", nameof(queries));
        if (queries.device_type != DeviceType.CPU) throw new ArgumentException(
            $"KnnKernel.Search: queries must be on the CPU, got {queries.device}.", nameof(queries));
        if (queries.shape[1] != bank.Dim) throw new ArgumentException("KnnKernel.Search: query dimension " +
            $"{queries.shape[1]} does not match the bank dimension {bank.Dim}.", nameof(queries));
        if (k < 1) throw new ArgumentException($"KnnKernel.Search: k must be >= 1 (got {k}).", nameof(k));
        if (exclude is not null && excludeRanges is not null)
            throw new ArgumentException("KnnKernel.Search: give either exclude or excludeRanges, not both.",
                nameof(excludeRanges));
        long count = queries.shape[0];
        var excluded = new BankRange[count];
        if (exclude is not null)
        {
            if (exclude.dim() != 1 || exclude.shape[0] != count || exclude.dtype != ScalarType.Int64)
                throw new ArgumentException($"KnnKernel.Search: exclude must be a [q] = [{count}] int64 tensor, got " +
                    $"{exclude.dtype} [{string.Join(", ", exclude.shape)}].", nameof(exclude));
            var indices = exclude.contiguous().data<long>().ToArray();
            for (long i = 0; i < count; i++)
            {
                long e = indices[i];
                if (e < -1 || e >= bank.Count) throw new ArgumentException($"KnnKernel.Search: exclude index {e} is " +
                    $"outside the bank [0, {bank.Count}) (use -1 for none).", nameof(exclude));
                excluded[i] = BankRange.Single(e);
            }
        }
        else if (excludeRanges is not null)
        {
            if (excludeRanges.LongLength != count)
                throw new ArgumentException($"KnnKernel.Search: excludeRanges has {excludeRanges.Length} entries for " +
                    $"{count} queries.", nameof(excludeRanges));
            foreach (var r in excludeRanges)
                if (r.Start < 0 || r.End < r.Start || r.End > bank.Count)
                    throw new ArgumentException($"KnnKernel.Search: exclude range [{r.Start}, {r.End}) is not inside " +
                        $"the bank [0, {bank.Count}).", nameof(excludeRanges));
            Array.Copy(excludeRanges, excluded, count);
        }
        long widest = excluded.Length == 0 ? 0 : excluded.Max(r => r.Length);
        long available = bank.Count - widest;
        if (k > available) throw new ArgumentException($"KnnKernel.Search: k = {k} exceeds the {available} bank " +
            $"vectors available{(widest > 0 ? " after exclusion" : "")}.", nameof(k));
        return excluded;
    }
}
