using System.Diagnostics;
using Reb.Core.Search;
using static TorchSharp.torch;

namespace Reb.Core.Ldknn;

/// <summary>What an append did: rows before and after, old rows whose K-neighbourhood changed, and the time it
/// took.</summary> <param name="CandidateOldRows">Old rows the screen could not rule out (a superset of <paramref
/// name="AffectedOldRows"/>), searched exactly.</param>
public sealed record BankUpdateStats(long OldRows, long NewRows, long AffectedOldRows, double Seconds,
    long Candidates = 0, long ExactDistances = 0, double NewRowsSeconds = 0, double OldRowsSeconds = 0,
    double AffectedSeconds = 0,
    double IndexSeconds = 0, KnnSearchStats? Search = null, long CandidateOldRows = 0);

/// <summary>
/// Appends good patches to a fitted bank (no coreset) without re-embedding or re-searching the old rows against each
/// other, and gives the SAME index as a full refit on the union (same core, densities bit for bit, hence same scores):
/// - new rows: their K nearest in the union (self excluded), exactly as the refit searches them;
/// - old rows: only a new row strictly nearer than the old K-th neighbour can change a neighbourhood (an equal distance
///   leaves the multiset of the K smallest distances unchanged). The new rows' search screens every (new, old) pair
///   anyway, so it also keeps, per old row, the least rigorous lower bound of its distance to any new row
///   (<see cref="ColumnLowerBounds"/>: the same GEMM read in both directions); only the old rows whose bound reaches
///   below their K-th distance (a superset of the changed ones) search the new rows for their K nearest, and merge
///   them with their K old distances. A row that was not really changed merges to its old K values bit for bit.
/// Densities are the mean of the K smallest distances; the float64 -> float32 rounding is monotone, so the K smallest
/// float32 values of the merge are exactly the refit's float32 values, in the same ascending order; the mean is then
/// taken over the whole [n + m, K] table with the same torch reduction as the refit. Distances are symmetric bit for
/// bit (float64 differences squared, same accumulation order). The tie rule (lowest bank index) only decides which
/// index is kept among equal distances, never the distances, so densities do not depend on it; scores use the same
/// core tensor and densities, hence the same search.
/// </summary>
public static class BankUpdate
{
    public static (LdknnIndex Index, BankNeighbours Neighbours, BankUpdateStats Stats) Append(LdknnIndex index,
        BankNeighbours neighbours,
        Tensor newRows, IProgress<double>? progress = null)
    {
        var watch = Stopwatch.StartNew();
        var options = index.Options;
        if (options.CoresetRatio < 1.0)
            throw new NotSupportedException("the bank was fitted with a coreset: an incremental update cannot " +
                "reproduce a greedy coreset of the union; refit instead");
        long n = index.CoreCount, m = newRows.shape[0];
        int k = options.K;
        if (neighbours.Rows != n || neighbours.K != k)
            throw new ArgumentException($"the neighbour table is [{neighbours.Rows}, {neighbours.K}] but the index " +
                $"has {n} rows and K = {k}", nameof(neighbours));
        if (newRows.dim() != 2 || newRows.shape[1] != index.Dim || newRows.dtype != ScalarType.Float32)
            throw new ArgumentException($"new rows must be float32 [m, {index.Dim}], got {newRows.dtype} " +
                $"[{string.Join(", ", newRows.shape)}]", nameof(newRows));
        if (m == 0) throw new ArgumentException("no rows to append", nameof(newRows));
        for (long i = 0; i < n; i++)
            if (index.CoreBankIndex[i] != i)
                throw new ArgumentException("the index's core set is not the whole bank in order", nameof(index));

        Tensor table;
        KnnBank unionBank;
        long affectedCount = 0;
        var searchStats = new KnnSearchStats();
        double newRowsSeconds = 0, oldRowsSeconds = 0, phaseMark = 0, affectedSeconds = 0;
        long candidateCount = 0;
        using (var scope = NewDisposeScope())
        {
            var old = index.CoreFeatures;
            // New rows: K nearest in the union, each excluding itself by its global index. The union is the old
            // prepared
            // bank with the new rows appended (only they are prepared; the exact kernel answers the same as for a bank
            // prepared from scratch), and it becomes the new index's core bank.
            Tensor newDistances;
            unionBank = index.CoreBank.Append(newRows);
            var columns = new ColumnLowerBounds(n + m);
            using (var self = arange(n, n + m, dtype: ScalarType.Int64))
            using (var r = KnnKernel.Search(unionBank, newRows, k, self, null, null, searchStats, null, columns))
                newDistances = r.Distances.clone();
            progress?.Report(0.5);
            newRowsSeconds = watch.Elapsed.TotalSeconds;

            // Old rows the screen could not rule out (a new row's lower bound below their K-th distance), then their K
            // nearest new rows.
            var kth = neighbours.Distances.select(1, k - 1).contiguous();
            var candidates = columns.Within(unionBank, kth.data<float>().ToArray());
            oldRowsSeconds = watch.Elapsed.TotalSeconds - newRowsSeconds;
            var oldTable = neighbours.Distances.clone();
            phaseMark = watch.Elapsed.TotalSeconds;
            candidateCount = candidates.Length;
            if (candidates.Length > 0)
            {
                // Many queries against few rows: the per-block costs (query preparation, one GEMM call per tile)
                // dominate
                // with 512-query blocks, so the blocks are as large as the tile memory of the default shape allows
                // (QueryChunk x bank rows x 4 bytes).
                int chunk = (int)Math.Clamp(KnnOptions.Default.QueryChunk * (long)KnnOptions.Default.BankChunk
                    / Math.Max(1, m), KnnOptions.Default.QueryChunk, 16_384);
                var small = new KnnOptions { QueryChunk = chunk };
                using var newBank = KnnBank.Create(newRows, small);
                var rowsIdx = tensor(candidates);
                var rows = old.index_select(0, rowsIdx);
                int kn = (int)Math.Min(k, m);
                using var r = KnnKernel.Search(newBank, rows, kn, options: small, stats: searchStats);
                var before = neighbours.Distances.index_select(0, rowsIdx);
                affectedCount = r.Distances.select(1, 0).lt(before.select(1, k - 1)).sum().item<long>();
                var merged = cat(new[] { before, r.Distances }, 1);
                var smallest = merged.sort(1).Values.narrow(1, 0, k);
                oldTable.index_copy_(0, rowsIdx, smallest);
            }
            affectedSeconds = watch.Elapsed.TotalSeconds - phaseMark;
            table = cat(new[] { oldTable, newDistances }, 0).MoveToOuterDisposeScope();
        }
        progress?.Report(1.0);
        double indexMark = watch.Elapsed.TotalSeconds;
        var density = LdknnIndex.DensityFromNeighbours(table); // the one reduction, as a refit computes it
        var result = new BankNeighbours(table);
        table.Dispose();
        var coreIdx = Enumerable.Range(0, checked((int)(n + m))).Select(i => (long)i).ToArray();
        // The union keeps the old index's search mode; with cells, the new rows join their nearest cells.
        var updated = new LdknnIndex(index.Search.Appended(unionBank, ownsBank: true), density, coreIdx, options);
        return (updated, result, new BankUpdateStats(n, n + m, affectedCount, watch.Elapsed.TotalSeconds,
            searchStats.Candidates, searchStats.ExactDistances, newRowsSeconds, oldRowsSeconds, affectedSeconds,
            watch.Elapsed.TotalSeconds - indexMark, searchStats, candidateCount));
    }
}
