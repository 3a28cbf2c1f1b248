using static TorchSharp.torch;

namespace Reb.Core.Search;

/// <summary>
/// Exact kNN over a <see cref="CellIndex"/>: the flat kernel's answer bit for bit (ties to the lowest ORIGINAL index),
/// reading only the cells that may hold a neighbour. Per block of queries: one float64 GEMM to all centroids gives
/// every (query, cell) lower bound; each query visits its cells in lower-bound order, in rounds: in a round every
/// query still searching takes its next cell, and the queries that take the same cell share one screening GEMM over
/// that cell's contiguous rows (queries of one image fall in the same few cells, so these GEMMs stay wide). The tiles
/// go through the flat kernel's candidate scan (<see cref="CandidateScan"/>, same certified bound, same running k-th
/// upper bound per query); a query stops when its next cell's lower bound exceeds that bound, which proves the rest
/// of the bank farther than its k-th neighbour and than any tie. Then the flat kernel's float64 re-rank.
/// </summary>
internal static unsafe class CellSearch
{
    public static KnnResult Search(CellIndex cells, Tensor queries, int k, BankRange[] excluded, KnnOptions options,
        IProgress<double>? progress, KnnSearchStats? stats)
    {
        var bank = cells.Bank;
        long count = queries.shape[0];
        if (stats is not null) { stats.Queries += count; stats.UsedBf16Gemm |= bank.ScreensInBf16; }
        var distances = new float[count * k];
        var indices = new long[count * k];
        using var q32 = queries.contiguous();
        // Wider blocks than the flat kernel's: the tiles are only as wide as a cell, and more queries per block means
        // more
        // queries per cell GEMM. Many queries (a density fit over the bank's own rows) are taken in the order of their
        // nearest centroid, so that a block's queries share their cells; the answers go back to the callers' order.
        int chunk = Math.Max(options.QueryChunk, 2048);
        var order = count > chunk ? ByNearestCell(cells, q32, count) : null;
        var blockDistances = new float[(long)Math.Min(chunk, count) * k];
        var blockIndices = new long[blockDistances.Length];
        for (long start = 0; start < count; start += chunk)
        {
            using var scope = NewDisposeScope();
            int rows = (int)Math.Min(chunk, count - start);
            var members = order?.AsSpan((int)start, rows).ToArray();
            var block = members is null ? q32.narrow(0, start, rows) : q32.index_select(0, tensor(members.Select(m => (long)m).ToArray()));
            var blockExclude = members is null ? excluded.AsSpan((int)start, rows).ToArray() : members.Select(m => excluded[m]).ToArray();
            long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            var (low, terms) = KnnKernel.PrepareQueries(bank, block, start);
            long t1 = System.Diagnostics.Stopwatch.GetTimestamp();
            var scan = new CandidateScan(bank.Rows, terms, blockExclude, k, original: cells.Original);
            Visit(cells, block, low, scan, options, stats);
            var candidates = scan.Candidates();
            long t2 = System.Diagnostics.Stopwatch.GetTimestamp();
            if (stats is not null) stats.Candidates += candidates.Sum(c => (long)c.Index.Length);
            ExactDistances.Rerank(bank, block, candidates, terms, k, blockDistances, blockIndices, 0, stats, cells.Original);
            for (int r = 0; r < rows; r++)
            {
                long to = (members is null ? start + r : members[r]) * (long)k;
                Array.Copy(blockDistances, (long)r * k, distances, to, k);
                Array.Copy(blockIndices, (long)r * k, indices, to, k);
            }
            stats?.AddStageTimes(t0, t1, t2);
            progress?.Report((double)(start + rows) / count);
        }
        return KnnKernel.ToResult(distances, indices, count, k);
    }

    /// <summary>Query numbers sorted (stably) by their nearest centroid, float32 (only the order of the work depends on
    /// it).</summary>
    private static int[] ByNearestCell(CellIndex cells, Tensor queries, long count)
    {
        var nearest = new int[count];
        using (var scope = NewDisposeScope())
        {
            var c = cells.Centroids;
            var cn = c.pow(2).sum(1).unsqueeze(0);
            for (long s = 0; s < count; s += 8192)
            {
                using var step = NewDisposeScope();
                int rows = (int)Math.Min(8192, count - s);
                var best = (cn - 2 * queries.narrow(0, s, rows).mm(c.t())).argmin(1).data<long>().ToArray();
                for (int i = 0; i < rows; i++) nearest[s + i] = (int)best[i];
            }
        }
        var order = Enumerable.Range(0, (int)count).ToArray();
        Array.Sort(nearest, order); // not stable: ties are broken below
        int from = 0;
        for (int i = 1; i <= order.Length; i++)
            if (i == order.Length || nearest[i] != nearest[from]) { Array.Sort(order, from, i - from); from = i; }
        return order;
    }

    /// <summary>The rounds of one block: every query screens its cells in lower-bound order until the bound rules the
    /// rest out.</summary>
    private static void Visit(CellIndex cells, Tensor block, Tensor low, CandidateScan scan, KnnOptions options, KnnSearchStats? stats)
    {
        int rows = (int)block.shape[0], cellCount = cells.CellCount;
        double scaleSq = cells.Bank.Scale * cells.Bank.Scale; // a power of two: the scan's units, exactly
        var bounds = cells.LowerBounds(block);
        var order = new int[rows][];
        var sorted = new double[rows][];
        Parallel.For(0, rows, r =>
        {
            var keys = new double[cellCount];
            var items = new int[cellCount];
            for (int c = 0; c < cellCount; c++) { keys[c] = bounds[(long)r * cellCount + c] * scaleSq; items[c] = c; }
            Array.Sort(keys, items); // equal bounds: any order is exact; Array.Sort is deterministic for the same input
            order[r] = items; sorted[r] = keys;
        });
        var next = new int[rows];
        var scanned = new long[rows];
        var visited = new int[rows];
        bool useMkl = cells.Bank.ScreensInBf16 ? options.CellBf16Gemm == Bf16Gemm.Mkl && ScreenPrecisionProbe.MklBf16Passes
            || !ScreenPrecisionProbe.LibTorchBf16Passes : NativeGemm.IsAvailable;
        while (true)
        {
            // This round's cell per query still searching (a query is done once its next bound is ruled out or
            // infinite).
            var groups = new SortedDictionary<int, List<int>>();
            for (int r = 0; r < rows; r++)
            {
                if (next[r] >= cellCount) continue;
                double lb = sorted[r][next[r]];
                if (double.IsPositiveInfinity(lb) || lb > scan.RuledOutBeyond(r)) { next[r] = cellCount; continue; }
                int c = order[r][next[r]++];
                if (!groups.TryGetValue(c, out var list)) groups[c] = list = new List<int>();
                list.Add(r);
            }
            if (groups.Count == 0) break;
            var work = groups.Select(g => (Cell: g.Key, Rows: g.Value.ToArray())).ToArray();
            // Different cells of a round screen disjoint sets of queries: they run in parallel, each scan on its
            // thread.
            Parallel.ForEach(work, item => Screen(cells, low, scan, item.Cell, item.Rows, useMkl));
            foreach (var (cell, members) in work)
                foreach (int r in members) { scanned[r] += cells.CellSize(cell); visited[r]++; }
        }
        if (stats is not null)
        {
            stats.RowsScanned += scanned.Sum();
            stats.CellsVisited += visited.Sum(v => (long)v);
            stats.PerQueryRowsScanned?.AddRange(scanned);
        }
    }

    /// <summary>One cell's screening GEMM over the queries <paramref name="members"/> and its candidate scan.</summary>
    private static void Screen(CellIndex cells, Tensor low, CandidateScan scan, int cell, int[] members, bool useMkl)
    {
        var bank = cells.Bank;
        int from = cells.CellStart[cell], width = cells.CellSize(cell), d = bank.Dim, m = members.Length;
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
        using var scope = NewDisposeScope();
        var slice = bank.Screen.narrow(0, from, width);
        var q = m == low.shape[0] ? low : low.index_select(0, tensor(members.Select(x => (long)x).ToArray()));
        if (bank.ScreensInBf16)
        {
            var dots = q.mm(slice.t()).contiguous();
            scan.ScanRowsBf16((ushort*)NativeGemm.DataPointer(dots), dots.stride(0), from, width, members);
            return;
        }
        var product = q.mm(slice.t()).mul_(-2f).contiguous();
        scan.ScanRows((float*)NativeGemm.DataPointer(product), product.stride(0), from, width, members);
    }

    /// <summary>Gathers the cell's member queries into one block and multiplies it with the cell's bank rows:
    /// <typeparamref name="T"/> is ushort for a bfloat16 screen, float for a float32 one.</summary>
    private static void GemmGatheredRows<T>(Tensor low, KnnBank bank, int[] members, int from, int width, int d, float* tile)
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
