using Reb.Core.Search;

namespace Reb.Cli.Commands.Bench;

/// <summary>
/// The cell-pruned search on one shape: its time, the GFLOP/s a flat search would need to match it (2 * queries * bank
/// * dim over its seconds), and the work it did: rows screened per query (median, p90, as a share of the bank), cells
/// visited per query, and whether it returned the flat kernel's answer bit for bit on every query of the shape.
/// </summary>
public sealed record CellFigures(int Cells, double BuildSeconds, double Seconds, double GflopsEquivalent,
    double RowsScannedMedian, double RowsScannedP90, double ScannedFraction, double CellsVisitedPerQuery,
    bool SameAsFlat,
    string AutoPicks, double AutoProbeFraction)
{
    /// <summary>The same cell search with the other bfloat16 GEMM in its per-cell tiles (NaN when not timed).</summary>
    public double OtherCellGemmSeconds { get; init; } = double.NaN;

    /// <summary>Which bfloat16 GEMM the per-cell tiles used in <see cref="Seconds"/>.</summary>
    public string CellGemm { get; init; } = "?";

    public override string ToString() =>
        $"  cells ({Cells})  {Seconds,8:F3} s  {GflopsEquivalent,7:F1} GFLOP/s equivalent; rows screened/query " +
        $"median {RowsScannedMedian:F0}, " +
        $"p90 {RowsScannedP90:F0} ({ScannedFraction:P1} of the bank), cells visited/query {CellsVisitedPerQuery:F1}; " +
        $"same answer as flat: {SameAsFlat}; auto picks {AutoPicks} (probe {AutoProbeFraction:P1}); cells built in " +
        $"{BuildSeconds:F2} s; per-cell GEMM {CellGemm}, the other one {OtherCellGemmSeconds:F3} s";

    /// <summary>Median and p90 of the rows screened per query.</summary>
    public static (double Median, double P90) Quantiles(List<long> perQuery)
    {
        if (perQuery.Count == 0) return (double.NaN, double.NaN);
        var sorted = perQuery.Order().ToArray();
        return (sorted[(sorted.Length - 1) / 2],
            sorted[(int)Math.Min(sorted.Length - 1, Math.Ceiling(0.9 * sorted.Length) - 1)]);
    }
}
