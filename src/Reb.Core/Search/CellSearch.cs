using static TorchSharp.torch;

namespace Reb.Core.Search;

/// <summary>
/// Exact kNN over a <see cref="CellIndex"/>: the flat kernel's answer bit for bit (ties to the lowest ORIGINAL index),
/// reading only the cells that may hold a neighbour. Queries are taken in blocks (many queries, as in a density fit
/// over the bank's own rows, in the order of their nearest centroid, so that a block's queries share their cells). Per
/// block: one float32 GEMM to all centroids, its rounding bounded, gives every (query, cell) lower bound; first every
/// query screens its own nearest cell (queries sharing it share one GEMM), which makes its running k-th upper bound
/// tight at once; then the other cells are swept in order of their lowest bound over the block, each screened in one
/// GEMM for exactly the queries whose bound for it is not yet ruled out. A query's skipped cell has a lower bound above
/// its k-th upper bound (which only falls), which proves every row there farther than its k-th neighbour and than any
/// tie. The tiles go through the flat kernel's candidate scan and float64 re-rank (<see cref="CandidateScan"/>, <see
/// cref="ExactDistances"/>), so the answer does not depend on the order of the work.
/// Blocks run in parallel, one per core, each with single-threaded GEMMs (MKL's and libtorch's): a cell's GEMM is too
/// small to share out, and the GEMMs' own threads on top of the workers' oversubscribed the cores (a density fit 60x
/// slower). The per-cell GEMM is chosen like the flat screen's (<see cref="Bf16GemmChoice"/>): on a CPU where
/// libtorch's (oneDNN's) bfloat16 GEMM is the faster, its small tiles come in a few fixed shapes so that oneDNN
/// reuses its kernels.
/// </summary>
internal static unsafe class CellSearch
{
    /// <summary>Rows per band of a cell in the sweep: narrow enough that rings skip whole bands, wide enough that each
    /// band's GEMM is not all overhead.</summary>
    private const int BandRows = 96;

    /// <summary>Widest GEMM over consecutive bands that the same queries take (8 bands): libtorch's GEMM costs about
    /// 30 us a call whatever its size, and on the aligned-board proxy merged bands cut a scoring search's GEMMs from
    /// 90,000 to 54,000 and its time by a sixth (docs/benchmarks.md).</summary>
    private const int MaxMergedRows = 8 * BandRows;

    /// <summary>Cells each query screens before the sweep (its nearest, whole, then the next ones' rings).</summary>
    private const int SeedCells = 3;

    public static KnnResult Search(CellIndex cells, Tensor queries, int k, BankRange[] excluded, KnnOptions options,
        IProgress<double>? progress, KnnSearchStats? stats)
    {
        var bank = cells.Bank;
        long count = queries.shape[0];
        if (stats is not null) { stats.Queries += count; stats.UsedBf16Gemm |= bank.ScreensInBf16; }
        var distances = new float[count * k];
        var indices = new long[count * k];
        using var q32 = queries.contiguous();
        // Blocks of at most 2048 queries (larger blocks share their cells less well), and of 512 or more at least one
        // per core: one image's 1024 queries in two blocks searched 1.5x faster than in one on 2 cores.
        int cores = Environment.ProcessorCount;
        int chunk = (int)Math.Clamp((count + cores - 1) / cores, 512, Math.Max(options.QueryChunk, 2048));
        var order = count > chunk ? ByNearestCell(cells, q32, count) : null;
        bool useMkl = cells.Bank.ScreensInBf16 ? !Bf16GemmChoice.CellsUseLibTorch(cells.Bank, options)
            : NativeGemm.IsAvailable;
        int blocks = (int)((count + chunk - 1) / chunk);
        long done = 0;
        var gate = new object();
        void RunBlock(int b, bool singleThreaded)
        {
            using var single = singleThreaded ? NativeGemm.SingleThreaded() : (IDisposable?)null;
            using var scope = NewDisposeScope();
            long start = (long)b * chunk;
            int rows = (int)Math.Min(chunk, count - start);
            var members = order?.AsSpan((int)start, rows).ToArray();
            var block = members is null ? q32.narrow(0, start, rows)
                : q32.index_select(0, tensor(members.Select(m => (long)m).ToArray()));
            var blockExclude = members is null ? excluded.AsSpan((int)start, rows).ToArray()
                : members.Select(m => excluded[m]).ToArray();
            var local = stats is null ? null
                : new KnnSearchStats { PerQueryRowsScanned = stats.PerQueryRowsScanned is null ? null : [] };
            long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            var (low, terms) = KnnKernel.PrepareQueries(bank, block, start);
            long t1 = System.Diagnostics.Stopwatch.GetTimestamp();
            var scan = new CandidateScan(bank.Rows, terms, blockExclude, k, original: cells.Original);
            Visit(cells, block, low, scan, useMkl, local);
            var candidates = scan.Candidates();
            long t2 = System.Diagnostics.Stopwatch.GetTimestamp();
            if (local is not null) local.Candidates += candidates.Sum(c => (long)c.Index.Length);
            var blockDistances = new float[(long)rows * k];
            var blockIndices = new long[blockDistances.Length];
            ExactDistances.Rerank(bank, block, candidates, terms, k, blockDistances, blockIndices, 0, local,
                cells.Original);
            for (int r = 0; r < rows; r++)
            {
                long to = (members is null ? start + r : members[r]) * (long)k;
                Array.Copy(blockDistances, (long)r * k, distances, to, k);
                Array.Copy(blockIndices, (long)r * k, indices, to, k);
            }
            local?.AddStageTimes(t0, t1, t2);
            lock (gate)
            {
                if (local is not null) stats!.Add(local);
                done += rows;
                progress?.Report((double)done / count);
            }
        }
        if (blocks == 1) RunBlock(0, singleThreaded: false);
        else
            Parallel.For(0, blocks,
                new ParallelOptions { MaxDegreeOfParallelism = Math.Min(blocks, Environment.ProcessorCount) },
                b => RunBlock(b, singleThreaded: true));
        return KnnKernel.ToResult(distances, indices, count, k);
    }

    /// <summary>Query numbers sorted (stably) by their nearest centroid, float32 (only the order of the work depends on
    /// it).</summary>
    private static int[] ByNearestCell(CellIndex cells, Tensor queries, long count)
    {
        int[] nearest;
        using (var assigned = CellBuilder.AssignAll(queries, count, cells.Centroids))
            nearest = assigned.data<long>().ToArray().Select(x => (int)x).ToArray();
        var order = Enumerable.Range(0, (int)count).ToArray();
        Array.Sort(nearest, order); // not stable: ties are broken below
        int from = 0;
        for (int i = 1; i <= order.Length; i++)
            if (i == order.Length || nearest[i] != nearest[from]) { Array.Sort(order, from, i - from); from = i; }
        return order;
    }

    /// <summary>One block's screening: each query's nearest cell, then the sweep over the other cells (see the
    /// class).</summary>
    private static void Visit(CellIndex cells, Tensor block, Tensor low, CandidateScan scan, bool useMkl,
        KnnSearchStats? stats)
    {
        int rows = (int)block.shape[0], cellCount = cells.CellCount;
        double scaleSq = cells.Bank.Scale * cells.Bank.Scale; // a power of two: the scan's units, exactly
        var bounds = cells.LowerBounds(block);
        var lower = bounds.Lower; // [C x rows]
        // libtorch's GEMMs gather their queries into this one buffer (MKL's gather into pooled arrays).
        using var gather = useMkl ? null : empty([GatherHeight(rows), cells.Bank.Dim], low.dtype);
        var scanned = new long[rows];
        var visited = new int[rows];
        var (seeds, lowest) = NearestCells(lower, rows, cellCount);
        void Take(int from, int to, int[] members)
        {
            Screen(cells, low, scan, from, to - from, members, useMkl, gather);
            foreach (int r in members) scanned[r] += to - from;
        }
        // Each query's nearest cell, whole (no bound yet; an empty cell has an infinite bound and is skipped).
        foreach (var group in Enumerable.Range(0, rows).Where(r => seeds[r * SeedCells] >= 0)
                     .GroupBy(r => seeds[r * SeedCells]).OrderBy(g => g.Key))
        {
            Take(cells.CellStart[group.Key], cells.CellStart[group.Key + 1], group.ToArray());
            foreach (int r in group) visited[r]++;
        }
        var members = new List<int>(rows);
        var band = new List<int>(rows);
        var rings = new List<(int From, int To)>(rows);
        // Cell c for those of the candidate queries whose bound does not rule it out: in a cell, each query needs only
        // the ring of rows its bound reaches (CellIndex.Ring). Bands of the cell: each query takes the bands its ring
        // touches, and each band is one GEMM for the queries that take it (one GEMM over the union of the rings would
        // cover most of the cell again). Bands are BandRows wide from the cell's start (the last one shorter), so
        // libtorch's GEMMs keep one width.
        void ScreenRings(int c, IEnumerable<int> candidates)
        {
            members.Clear();
            rings.Clear();
            foreach (int r in candidates)
            {
                double ruled = scan.RuledOutBeyond(r), bound = lower[(long)c * rows + r];
                if (double.IsPositiveInfinity(bound) || bound * scaleSq > ruled) continue;
                var ring = cells.Ring(c, bounds.CentreLow(c, r), bounds.CentreHigh(c, r),
                    Math.Sqrt(ruled / scaleSq) * (1 + 1e-12));
                if (ring.From >= ring.To) continue;
                members.Add(r);
                rings.Add(ring);
            }
            if (members.Count == 0) return;
            foreach (int r in members) visited[r]++;
            int cellFrom = cells.CellStart[c], cellTo = cells.CellStart[c + 1];
            // Consecutive bands taken by the same queries make one GEMM (up to MaxMergedRows).
            int[]? taking = null;
            int takeFrom = 0, takeTo = 0;
            for (int from = cellFrom; from < cellTo; from += BandRows)
            {
                int to = Math.Min(from + BandRows, cellTo);
                band.Clear();
                for (int m = 0; m < members.Count; m++)
                    if (rings[m].From < to && rings[m].To > from) band.Add(members[m]);
                if (taking is not null && takeTo == from && to - takeFrom <= MaxMergedRows
                    && band.Count == taking.Length && band.SequenceEqual(taking))
                {
                    takeTo = to;
                    continue;
                }
                if (taking is not null) Take(takeFrom, takeTo, taking);
                taking = band.Count > 0 ? band.ToArray() : null;
                (takeFrom, takeTo) = (from, to);
            }
            if (taking is not null) Take(takeFrom, takeTo, taking);
        }
        // Each query's next nearest cells: its nearest neighbour mostly lies in one of them, so its k-th upper bound
        // is about exact before the sweep, where a loose bound would let it take part in most cells (measured on an
        // aligned-board bank: two thirds of the queries were loose after their nearest cell alone, and the sweep
        // screened five times the rows an exact bound needs).
        for (int s = 1; s < SeedCells; s++)
            foreach (var group in Enumerable.Range(0, rows).Where(r => seeds[r * SeedCells + s] >= 0)
                         .GroupBy(r => seeds[r * SeedCells + s]).OrderBy(g => g.Key))
                ScreenRings(group.Key, group);
        bool Seeded(int r, int c)
        {
            for (int s = 0; s < SeedCells; s++) if (seeds[r * SeedCells + s] == c) return true;
            return false;
        }
        // The sweep: cells by their lowest bound over the block. Once that exceeds every query's k-th upper bound, no
        // later cell (bounds only rise along the sweep, upper bounds only fall) can hold a neighbour of any query.
        var sweep = Enumerable.Range(0, cellCount).Where(c => !double.IsPositiveInfinity(lowest[c]))
            .OrderBy(c => lowest[c]).ThenBy(c => c).ToArray();
        double loosest = double.PositiveInfinity;
        for (int i = 0; i < sweep.Length; i++)
        {
            int c = sweep[i];
            if (i % 8 == 0)
            {
                loosest = 0;
                for (int r = 0; r < rows; r++) loosest = Math.Max(loosest, scan.RuledOutBeyond(r));
            }
            if (lowest[c] * scaleSq > loosest) break;
            ScreenRings(c, Enumerable.Range(0, rows).Where(r => !Seeded(r, c)));
        }
        if (stats is not null)
        {
            stats.RowsScanned += scanned.Sum();
            stats.CellsVisited += visited.Sum(v => (long)v);
            stats.PerQueryRowsScanned?.AddRange(scanned);
        }
    }

    /// <summary>Per query its <see cref="SeedCells"/> nearest cells by lower bound (ties to the lower cell number;
    /// -1 past its non-empty cells), row-major [rows x SeedCells]; and per cell its lowest bound over the
    /// block.</summary>
    private static (int[] Seeds, double[] Lowest) NearestCells(double[] lower, int rows, int cellCount)
    {
        var seeds = new int[rows * SeedCells];
        var seedBound = new double[rows * SeedCells];
        Array.Fill(seeds, -1);
        Array.Fill(seedBound, double.PositiveInfinity);
        var lowest = new double[cellCount];
        for (int c = 0; c < cellCount; c++)
        {
            double least = double.PositiveInfinity;
            for (int r = 0, at = c * rows; r < rows; r++, at++)
            {
                double b = lower[at];
                if (b < least) least = b;
                int last = r * SeedCells + SeedCells - 1;
                if (!(b < seedBound[last])) continue;
                int p = last; // insertion after any equal bound: the lower cell number stays first
                while (p > r * SeedCells && b < seedBound[p - 1])
                {
                    seeds[p] = seeds[p - 1];
                    seedBound[p] = seedBound[p - 1];
                    p--;
                }
                seeds[p] = c;
                seedBound[p] = b;
            }
            lowest[c] = least;
        }
        return (seeds, lowest);
    }

    /// <summary>One screening GEMM of the queries <paramref name="members"/> against the contiguous positions [from,
    /// from + width) (a cell or a ring of it) and its candidate scan.</summary>
    private static void Screen(CellIndex cells, Tensor low, CandidateScan scan, int from, int width, int[] members,
        bool useMkl, Tensor? gather)
    {
        var bank = cells.Bank;
        int d = bank.Dim, m = members.Length;
        if (useMkl)
        {
            // MKL straight on raw rows: the members' screen rows gathered into a pooled buffer, the tile pooled too, so
            // the many small GEMMs of a search make no tensors.
            var tile = System.Buffers.ArrayPool<float>.Shared.Rent(m * width);
            try
            {
                fixed (float* tp = tile)
                {
                    if (bank.ScreensInBf16) GemmGatheredRows<ushort>(low, bank, members, from, width, d, tp);
                    else GemmGatheredRows<float>(low, bank, members, from, width, d, tp);
                    scan.ScanRows(tp, width, from, width, members);
                }
            }
            finally { System.Buffers.ArrayPool<float>.Shared.Return(tile); }
            return;
        }
        // libtorch's mm (oneDNN): fast on small tiles only when their shape repeats (it builds a kernel per new shape),
        // so the members are gathered into a block of a few fixed heights and the rows are taken in whole bands (up to
        // MaxMergedRows at a time), reading past the range's end where the bank allows; the scan reads only the
        // members' rows and the range.
        using var scope = NewDisposeScope();
        var q = Gathered(low, members, d, gather!);
        int stepRows = Math.Min((width + BandRows - 1) / BandRows * BandRows, MaxMergedRows);
        for (int at = 0; at < width; at += stepRows)
        {
            using var step = NewDisposeScope();
            int columns = (int)Math.Min(stepRows, bank.Count - (from + at)), valid = Math.Min(stepRows, width - at);
            var slice = bank.Screen.narrow(0, from + at, columns);
            if (bank.ScreensInBf16)
            {
                var dots = q.mm(slice.t()).contiguous();
                scan.ScanRowsBf16((ushort*)NativeGemm.DataPointer(dots), dots.stride(0), from + at, valid, members);
                continue;
            }
            var product = q.mm(slice.t()).mul_(-2f).contiguous();
            scan.ScanRows((float*)NativeGemm.DataPointer(product), product.stride(0), from + at, valid, members);
        }
    }

    /// <summary>The members' rows of <paramref name="low"/> copied to the top of <paramref name="gather"/>, as a
    /// block whose height is rounded up to a multiple of 16 (of 128 above 256 rows), so that the GEMMs of a search
    /// come in few shapes. The rows below the members keep what they held: their products are never read.</summary>
    private static Tensor Gathered(Tensor low, int[] members, int d, Tensor gather)
    {
        int m = members.Length;
        long bytes = (long)d * low.element_size();
        byte* from = (byte*)NativeGemm.DataPointer(low), to = (byte*)NativeGemm.DataPointer(gather);
        for (int i = 0; i < m; i++)
            Buffer.MemoryCopy(from + members[i] * bytes, to + i * bytes, bytes, bytes);
        return gather.narrow(0, 0, GatherHeight(m));
    }

    private static int GatherHeight(int m) => m <= 256 ? (m + 15) / 16 * 16 : (m + 127) / 128 * 128;

    /// <summary>Gathers the cell's member queries into one block and multiplies it with the cell's bank rows:
    /// <typeparamref name="T"/> is ushort for a bfloat16 screen, float for a float32 one.</summary>
    private static void GemmGatheredRows<T>(Tensor low, KnnBank bank, int[] members, int from, int width, int d,
        float* tile)
        where T : unmanaged
    {
        var rows = System.Buffers.ArrayPool<T>.Shared.Rent(members.Length * d);
        try
        {
            T* lp = (T*)NativeGemm.DataPointer(low);
            T* bp = (T*)NativeGemm.DataPointer(bank.Screen) + (long)from * d;
            fixed (T* rp = rows)
            {
                for (int i = 0; i < members.Length; i++)
                    Buffer.MemoryCopy(lp + (long)members[i] * d, rp + (long)i * d, d * sizeof(T), d * sizeof(T));
                if (typeof(T) == typeof(ushort))
                    NativeGemm.GemmABtBf16((ushort*)rp, members.Length, (ushort*)bp, width, d, tile, width, -2f);
                else
                    NativeGemm.GemmABtF32((float*)rp, members.Length, (float*)bp, width, d, tile, width, -2f);
            }
        }
        finally { System.Buffers.ArrayPool<T>.Shared.Return(rows); }
    }
}
