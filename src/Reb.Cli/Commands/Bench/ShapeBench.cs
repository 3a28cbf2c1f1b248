using System.Diagnostics;
using Reb.Core.Search;
using static TorchSharp.torch;

namespace Reb.Cli.Commands.Bench;

/// <summary>
/// Figures of one search shape: the exact kNN kernel next to plain float32 and bfloat16 `mm` of the same shapes
/// (queries x whole bank, tiled like the kernel), best of interleaved rounds. GFLOP/s count 2 * queries * bank * dim.
/// Seconds are per whole search of all the queries, so that any exact search (faiss IndexFlatL2, ...) can be timed
/// on the same bank and queries beside it.
/// </summary>
public sealed record ShapeFigures(
    string Shape, int Queries, long BankSize, int Dim, int K, string Exclusion,
    double Seconds, string AutoBf16Gemm, double MklKernelSeconds, double LibTorchKernelSeconds,
    double Float32MmSeconds, double Bf16MmSeconds,
    double KnnGflops, double Float32MmGflops, double Bf16MmGflops,
    bool Bf16Screen, double CandidatesPerQuery, double ExactDistancesPerQuery, double WideQueryFraction,
    int CheckedQueries, bool ExactOnChecked)
{
    /// <summary>The cell-pruned search on the same shape (null when not measured).</summary>
    public CellFigures? CellSearch { get; init; }

    public override string ToString() =>
        $"{Shape}: {Queries} queries x bank {BankSize} x d {Dim}, k = " +
        $"{K}{(Exclusion == "none" ? "" : $", excluding {Exclusion}")}\n" +
        $"  kNN kernel   {Seconds,8:F3} s  {KnnGflops,7:F1} GFLOP/s  ({(Bf16Screen ? "bfloat16" : "float32")} " +
        $"screen; candidates/query {CandidatesPerQuery:F1}, " +
        $"exact distances/query {ExactDistancesPerQuery:F1}, queries needing > 256 exact distances " +
        $"{WideQueryFraction:P2})\n" +
        $"  bfloat16 GEMM of the screen: {AutoBf16Gemm} (auto, timed at start); the kernel with MKL's " +
        $"{MklKernelSeconds:F3} s, with libtorch's (bfloat16 output) {LibTorchKernelSeconds:F3} s\n" +
        $"  float32 mm   {Float32MmSeconds,8:F3} s  {Float32MmGflops,7:F1} GFLOP/s   kernel / float32 mm rate " +
        $"{KnnGflops / Float32MmGflops:F2}\n" +
        $"  bfloat16 mm  {Bf16MmSeconds,8:F3} s  {Bf16MmGflops,7:F1} GFLOP/s   kernel / bfloat16 mm rate " +
        $"{KnnGflops / Bf16MmGflops:F2}\n" +
        $"  exact against a float64 brute force (tie rule) on {CheckedQueries} queries: {ExactOnChecked}" +
        (CellSearch is null ? "" : "\n" + CellSearch);
}

public static class ShapeBench
{
    /// <summary>Times the kernel on <paramref name="bank"/> (prepared from <paramref name="vectors"/>) against mm of
    /// the same shapes.</summary>
    /// <param name="cells">When given, the cell-pruned search is timed in the same rounds and checked against the flat
    /// answer.</param>
    public static ShapeFigures Run(string shape, Tensor vectors, KnnBank bank, Tensor queries, int k, long[]? exclude,
        int seconds, int bankChunk = 8192, int checkQueries = 16, KnnSearch? cells = null, double cellsBuildSeconds = 0,
        KnnSearch? auto = null)
    {
        using var scope = NewDisposeScope();
        int count = (int)queries.shape[0], dim = (int)vectors.shape[1];
        long n = vectors.shape[0];
        double flops = 2.0 * count * n * dim;
        var excludeT = exclude is null ? null : tensor(exclude);
        var q16 = queries.to(ScalarType.BFloat16);
        var b16 = vectors.to(ScalarType.BFloat16);

        void Mm(Tensor q, Tensor b)
        {
            for (long start = 0; start < n; start += bankChunk)
            {
                using var tile = NewDisposeScope();
                q.mm(b.narrow(0, start, Math.Min(bankChunk, n - start)).t());
            }
        }

        var stats = new KnnSearchStats();
        const int mm32 = 3, mm16 = 4, cellsAction = 5, otherCellsAction = 6; // positions in the timed actions
        var viaMkl = new KnnOptions { Bf16Gemm = Bf16Gemm.Mkl };
        var viaLibTorch = new KnnOptions { Bf16Gemm = Bf16Gemm.LibTorch };
        var cellGemm = Bf16GemmChoice.Resolve(KnnOptions.Default.CellBf16Gemm);
        var otherCells = new KnnOptions
        {
            CellBf16Gemm = cellGemm == Bf16Gemm.Mkl ? Bf16Gemm.LibTorch : Bf16Gemm.Mkl
        };
        var cellStats = new KnnSearchStats();
        var actions = new List<Action>
        {
            () => { using var r = KnnKernel.Search(bank, queries, k, excludeT, stats: stats); },
            () => { using var r = KnnKernel.Search(bank, queries, k, excludeT, viaMkl); },
            () => { using var r = KnnKernel.Search(bank, queries, k, excludeT, viaLibTorch); },
            () => Mm(queries, vectors),
            () => Mm(q16, b16),
        };
        if (cells is not null)
        {
            actions.Add(() => { using var r = cells.Search(queries, k, excludeT, stats: cellStats); });
            actions.Add(() => { using var r = cells.Search(queries, k, excludeT, otherCells); });
        }
        var best = Interleaved(seconds, [.. actions]);
        // The stats summed every timed run: per query figures divide by the queries searched.
        double perQuery(long total) => (double)total / stats.Queries;

        int check = Math.Min(checkQueries, count);
        var sample = queries.narrow(0, 0, check).contiguous();
        var sampleExclude = exclude?[..check];
        using var result = KnnKernel.Search(bank, sample, k, sampleExclude is null ? null : tensor(sampleExclude));
        bool exact = BruteForce.Matches(result, vectors, sample, k, sampleExclude);

        CellFigures? cellFigures = null;
        if (cells is not null)
        {
            // One more pass for the per-query figures, compared bit for bit with the flat answer on every query.
            var once = new KnnSearchStats { PerQueryRowsScanned = [] };
            using var viaCells = cells.Search(queries, k, excludeT, stats: once);
            using var viaFlat = KnnKernel.Search(bank, queries, k, excludeT);
            bool same = viaCells.Indices.data<long>().ToArray().SequenceEqual(viaFlat.Indices.data<long>().ToArray())
                && viaCells.Distances.data<float>().ToArray().Select(BitConverter.SingleToInt32Bits)
                    .SequenceEqual(viaFlat.Distances.data<float>().ToArray().Select(BitConverter.SingleToInt32Bits));
            var (median, p90) = CellFigures.Quantiles(once.PerQueryRowsScanned);
            cellFigures = new CellFigures(cells.Cells?.CellCount ?? 0, cellsBuildSeconds, best[cellsAction],
                flops / best[cellsAction] / 1e9, median, p90,
                (double)once.RowsScanned / once.Queries / n, (double)once.CellsVisited / once.Queries, same,
                auto is null ? "?" : SearchModes.Name(auto.Mode), auto?.ProbeFraction ?? double.NaN)
            {
                CellGemm = cellGemm.ToString(),
                OtherCellGemmSeconds = best[otherCellsAction],
            };
        }
        return new ShapeFigures(shape, count, n, dim, k, exclude is null ? "none" : "each query's own bank row",
            best[0], Bf16GemmChoice.Timing.Gemm.ToString(), best[1], best[2], best[mm32], best[mm16],
            flops / best[0] / 1e9, flops / best[mm32] / 1e9, flops / best[mm16] / 1e9,
            stats.UsedBf16Gemm, perQuery(stats.Candidates), perQuery(stats.ExactDistances), perQuery(stats.WideQueries),
            check, exact)
        {
            CellSearch = cellFigures,
        };
    }

    /// <summary>A warm-up run of each action, then rounds of all actions until the time is spent; best seconds per
    /// action.
    /// Why interleaved and best-of: the machine is shared, so the minimum is the fair figure and all actions meet the
    /// same load.</summary>
    private static double[] Interleaved(int seconds, params Action[] actions)
    {
        var best = new double[actions.Length];
        Array.Fill(best, double.MaxValue);
        foreach (var action in actions) action();
        var total = Stopwatch.StartNew();
        do
        {
            for (int i = 0; i < actions.Length; i++)
            {
                var watch = Stopwatch.StartNew();
                actions[i]();
                best[i] = Math.Min(best[i], watch.Elapsed.TotalSeconds);
            }
        } while (total.Elapsed.TotalSeconds < seconds);
        return best;
    }
}
