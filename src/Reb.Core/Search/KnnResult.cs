using static TorchSharp.torch;

namespace Reb.Core.Search;

/// <summary>Result of a kNN search: per query the k squared L2 distances (ascending) and bank indices.</summary>
/// <param name="Distances">[q, k] float32 squared Euclidean distances, ascending per row.</param>
/// <param name="Indices">[q, k] int64 bank row indices matching <paramref name="Distances"/>.</param>
public sealed record KnnResult(Tensor Distances, Tensor Indices) : IDisposable
{
    /// <summary>Releases both tensors.</summary>
    public void Dispose()
    {
        Distances.Dispose();
        Indices.Dispose();
    }
}

/// <summary>Counters of one or more searches: how much exact work the screen left (its efficiency, not its
/// correctness).</summary>
public sealed class KnnSearchStats
{
    /// <summary>Adds one query block's stage times: prepare t0..t1, screen t1..t2, re-rank t2..now (Stopwatch
    /// timestamps).</summary>
    public void AddStageTimes(long t0, long t1, long t2)
    {
        PrepareSeconds += System.Diagnostics.Stopwatch.GetElapsedTime(t0, t1).TotalSeconds;
        ScreenSeconds += System.Diagnostics.Stopwatch.GetElapsedTime(t1, t2).TotalSeconds;
        RerankSeconds += System.Diagnostics.Stopwatch.GetElapsedTime(t2).TotalSeconds;
    }

    /// <summary>Adds another search's counts and times (one block of a parallel search).</summary>
    public void Add(KnnSearchStats other)
    {
        Queries += other.Queries; Candidates += other.Candidates; ExactDistances += other.ExactDistances;
        WideQueries += other.WideQueries; UsedBf16Gemm |= other.UsedBf16Gemm; RowsScanned += other.RowsScanned;
        CellsVisited += other.CellsVisited;
        if (other.PerQueryRowsScanned is not null) PerQueryRowsScanned?.AddRange(other.PerQueryRowsScanned);
        PrepareSeconds += other.PrepareSeconds; ScreenSeconds += other.ScreenSeconds;
        RerankSeconds += other.RerankSeconds;
    }

    /// <summary>Queries searched.</summary>
    public long Queries { get; set; }
    /// <summary>Candidates the screen kept (lower bound within the k-th upper bound), summed over queries.</summary>
    public long Candidates { get; set; }
    /// <summary>Exact float64 distances computed, summed over queries (at least k per query).</summary>
    public long ExactDistances { get; set; }
    /// <summary>Queries that needed more than 256 exact distances: where the screen could not separate repeated
    /// patches.</summary>
    public long WideQueries { get; set; }
    /// <summary>True when the bfloat16 screen ran (false: float32 screen, by request or because the probe
    /// failed).</summary>
    public bool UsedBf16Gemm { get; set; }
    /// <summary>Bank rows screened, summed over queries (the whole bank per query for a flat search).</summary>
    public long RowsScanned { get; set; }
    /// <summary>Cells visited, summed over queries (cell search only).</summary>
    public long CellsVisited { get; set; }
    /// <summary>When not null, every query's rows screened is appended (benchmarks: median and p90).</summary>
    public List<long>? PerQueryRowsScanned { get; set; }
    /// <summary>Seconds in the queries' preparation (centring, screen copies, bound terms).</summary>
    public double PrepareSeconds { get; set; }
    /// <summary>Seconds in the screening GEMMs and candidate scans.</summary>
    public double ScreenSeconds { get; set; }
    /// <summary>Seconds in the exact float64 re-rank.</summary>
    public double RerankSeconds { get; set; }
}
