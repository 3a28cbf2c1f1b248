using TorchSharp;
using static TorchSharp.torch;

namespace Reb.Core.Search;

/// <summary>
/// The one way to search a prepared bank: the flat kernel (<see cref="KnnKernel"/>) or, where the bank's rows repeat
/// enough for it to pay, the cell-pruned search (<see cref="CellIndex"/>). Both return the same exact answer bit for
/// bit (ascending float32 distance, ties to the lowest bank index, the same exclusions), so the choice is made per
/// bank on speed alone: <see cref="SearchMode.Auto"/> probes the cells with a sample of the bank's own rows and keeps
/// them only when the sample screens under <see cref="AutoMaxFraction"/> of the rows.
/// </summary>
public sealed class KnnSearch : IDisposable
{
    /// <summary>Auto keeps the cells when the probe screens at most this fraction of the rows per query: the measured
    /// break-even. A row screened by the cells costs about 1.5 times a row of the flat kernel (narrower GEMMs, the
    /// centroid GEMM, the sweep), with either GEMM in both: on the 200-image DeepPCB bank (docs/benchmarks.md) cells
    /// screening 59.7 % of the rows took 10.6 s against the flat kernel's 11.9 s (MKL's GEMM, 2026-12-07), and 57.6 %
    /// took 1.65 s against 1.68 s (libtorch's, the same evening), so below about 2/3 the cells win and above it they
    /// lose, each by little near the line.</summary>
    public const double AutoMaxFraction = 0.67;

    /// <summary>
    /// The probe fraction under which Auto keeps the cells on this machine: <see cref="AutoMaxFraction"/> where the
    /// flat and the cell screens run the same bfloat16 GEMM (the default: both take the one timed faster). Where they
    /// do not (asked for: the flat screen on libtorch's GEMM, the cells' many small tiles on MKL's), a screened row
    /// costs the two searches in the ratio of the GEMMs' speeds timed at start (<see cref="Bf16GemmChoice"/>), and the
    /// limit moves by that ratio: with libtorch's GEMM 3.4x faster, cells must screen under a fifth of the bank to pay.
    /// </summary>
    public static double AutoLimit(KnnBank bank, KnnOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(bank);
        options ??= KnnOptions.Default;
        bool flatLibTorch = Bf16GemmChoice.FlatUsesLibTorch(bank, options);
        bool cellsLibTorch = Bf16GemmChoice.CellsUseLibTorch(bank, options);
        if (flatLibTorch == cellsLibTorch) return AutoMaxFraction;
        // The two differ only where both GEMMs passed their probes, and then both were timed.
        var (_, mkl, libTorch) = Bf16GemmChoice.Timing;
        return Math.Min(1, AutoMaxFraction * (flatLibTorch ? libTorch / mkl : mkl / libTorch));
    }

    /// <summary>Banks smaller than this stay flat under Auto (one flat pass is already cheap).</summary>
    public const long AutoMinRows = 16_384;

    private const int ProbeQueries = 256;
    private const int ProbeK = 10;

    private readonly bool _ownsBank;

    private KnnSearch(KnnBank bank, CellIndex? cells, SearchMode requested, double probeFraction, bool ownsBank)
    {
        Bank = bank;
        Cells = cells;
        Requested = requested;
        ProbeFraction = probeFraction;
        _ownsBank = ownsBank;
    }

    /// <summary>The bank in its original order (flat searches, bank updates).</summary>
    public KnnBank Bank { get; }

    /// <summary>The cells, when this search prunes (null: flat).</summary>
    public CellIndex? Cells { get; }

    /// <summary>The mode asked for.</summary>
    public SearchMode Requested { get; }

    /// <summary>The mode in use: Flat or Cells.</summary>
    public SearchMode Mode => Cells is null ? SearchMode.Flat : SearchMode.Cells;

    /// <summary>Fraction of the rows the Auto probe screened per query (NaN when no probe ran).</summary>
    public double ProbeFraction { get; }

    /// <summary>Rows in the bank.</summary>
    public long Count => Bank.Count;

    /// <summary>
    /// A search over <paramref name="bank"/> in <paramref name="mode"/>. With <paramref name="ownsBank"/> the search
    /// disposes the bank with itself. Cells need the bank on the CPU; a bank screened on another device stays flat.
    /// </summary>
    public static KnnSearch Create(KnnBank bank, SearchMode mode, bool ownsBank = false, int seed = 0,
        KnnOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(bank);
        bool cpu = bank.Screen.device_type == DeviceType.CPU;
        if (mode == SearchMode.Flat || !cpu || bank.Count < 2 || (mode == SearchMode.Auto && bank.Count < AutoMinRows))
            return new KnnSearch(bank, null, mode, double.NaN, ownsBank);
        var cells = CellBuilder.Build(bank.Vectors, seed: seed, options: options);
        if (mode == SearchMode.Cells) return new KnnSearch(bank, cells, mode, double.NaN, ownsBank);
        double fraction = Probe(cells);
        if (fraction <= AutoLimit(bank, options)) return new KnnSearch(bank, cells, mode, fraction, ownsBank);
        cells.Dispose();
        return new KnnSearch(bank, null, mode, fraction, ownsBank);
    }

    /// <summary>Rows screened per query, as a fraction of the bank, for evenly spaced bank rows searched against the
    /// bank (themselves excluded), k = 10: the density fit's shape, and close to scoring's on good images.</summary>
    private static double Probe(CellIndex cells)
    {
        long n = cells.Count;
        int q = (int)Math.Min(ProbeQueries, n);
        int k = (int)Math.Min(ProbeK, n - 1);
        var at = Enumerable.Range(0, q).Select(i => (long)((double)i * n / q)).ToArray();
        var stats = new KnnSearchStats();
        using (var scope = NewDisposeScope())
        {
            // The rows in original order, read through the cell order (no copy of the bank in original order needed).
            var position = new long[n];
            for (int p = 0; p < n; p++) position[cells.Original[p]] = p;
            var rows = cells.Bank.Vectors.index_select(0, tensor(at.Select(i => position[i]).ToArray()));
            var excluded = at.Select(BankRange.Single).ToArray();
            using var r = CellSearch.Search(cells, rows, k, excluded, KnnOptions.Default, null, stats);
        }
        return (double)stats.RowsScanned / ((double)q * n);
    }

    /// <summary>
    /// The search of <paramref name="union"/>, this bank with rows appended (<see cref="KnnBank.Append"/>): the same
    /// mode; with cells, the new rows join their nearest cells (no new k-means, no probe), so an updated bank is
    /// searched as exactly as a refit one.
    /// </summary>
    public KnnSearch Appended(KnnBank union, bool ownsBank, KnnOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(union);
        if (Cells is null) return new KnnSearch(union, null, Requested, ProbeFraction, ownsBank);
        return new KnnSearch(union, Cells.Appended(union.Vectors, options), Requested, ProbeFraction, ownsBank);
    }

    /// <summary>
    /// The k nearest bank rows of every query: the exact answer of <see cref="KnnKernel.Search(KnnBank, Tensor, int,
    /// Tensor?, KnnOptions?, IProgress{double}?, KnnSearchStats?, BankRange[]?)"/>, whatever the mode.
    /// </summary>
    public KnnResult Search(Tensor queries, int k, Tensor? exclude = null, KnnOptions? options = null,
        IProgress<double>? progress = null, KnnSearchStats? stats = null, BankRange[]? excludeRanges = null)
    {
        if (Cells is null) return KnnKernel.Search(Bank, queries, k, exclude, options, progress, stats, excludeRanges);
        ArgumentNullException.ThrowIfNull(queries);
        options ??= KnnOptions.Default;
        options.Validate();
        var excluded = KnnKernel.Validate(Cells.Bank, queries, k, exclude, excludeRanges);
        return CellSearch.Search(Cells, queries, k, excluded, options, progress, stats);
    }

    /// <summary>Bytes of the bank and, when built, the cells.</summary>
    public long ResidentBytes => Bank.ResidentBytes + (Cells?.ResidentBytes ?? 0);

    /// <summary>Releases the cells (and the bank when owned).</summary>
    public void Dispose()
    {
        Cells?.Dispose();
        if (_ownsBank) Bank.Dispose();
    }
}
