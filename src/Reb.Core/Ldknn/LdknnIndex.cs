using Reb.Core.Search;
using static TorchSharp.torch;

namespace Reb.Core.Ldknn;

/// <summary>
/// The fitted LDKNN memory: core features, their local densities, and the scoring rule (method spec section 3).
/// density(m) = mean squared distance from core feature m to its K nearest neighbours in the FULL bank, m itself
/// excluded by its bank index. Patch score s(q) = d2(q, m*) - lambda * density(m*), m* = nearest core feature.
/// </summary>
public sealed class LdknnIndex : IDisposable
{
    private readonly KnnSearch _search;
    private readonly Tensor _density;

    /// <param name="search">kNN options of the core bank (e.g. the device its screen runs on); null = the
    /// defaults.</param>
    public LdknnIndex(Tensor coreFeatures, float[] density, long[] coreBankIndex, LdknnOptions options,
        KnnOptions? search = null)
        : this(PrepareAndRelease(coreFeatures, density.Length, search), density, coreBankIndex, options)
    {
    }

    /// <summary>An index over a core bank already prepared for searching (the index owns it from here): a bank update
    /// has just prepared the union for its own search and need not prepare it twice. Searched in
    /// options.Search.</summary>
    public LdknnIndex(KnnBank preparedCore, float[] density, long[] coreBankIndex, LdknnOptions options)
        : this(KnnSearch.Create(preparedCore, options.Search, ownsBank: true, seed: options.Seed), density,
            coreBankIndex, options)
    {
    }

    /// <summary>An index over a prepared search of its core bank (the index owns it and its bank from here): the
    /// density fit's search, cells included, serves the scoring too.</summary>
    public LdknnIndex(KnnSearch preparedSearch, float[] density, long[] coreBankIndex, LdknnOptions options)
    {
        if (preparedSearch.Count != density.Length || density.Length != coreBankIndex.Length)
            throw new ArgumentException($"core set has {preparedSearch.Count} rows but {density.Length} densities " +
                $"and {coreBankIndex.Length} indices");
        _search = preparedSearch;
        Density = density;
        _density = tensor(density).DetachFromDisposeScope();
        CoreBankIndex = coreBankIndex;
        Options = options;
    }

    private static KnnBank PrepareAndRelease(Tensor coreFeatures, int densities, KnnOptions? search)
    {
        if (coreFeatures.shape[0] != densities)
            throw new ArgumentException($"core set has {coreFeatures.shape[0]} rows but {densities} densities");
        // The index takes ownership of coreFeatures: the bank keeps its own handle on the same storage.
        var bank = KnnBank.Create(coreFeatures, search);
        coreFeatures.Dispose();
        return bank;
    }

    public LdknnOptions Options { get; }
    public float[] Density { get; }
    public long[] CoreBankIndex { get; }
    public long CoreCount => _search.Count;
    public int Dim => _search.Bank.Dim;
    /// <summary>The prepared core bank the index searches (owned by the index).</summary>
    public KnnBank CoreBank => _search.Bank;
    /// <summary>The core bank's search, flat or with cells (owned by the index).</summary>
    public KnnSearch Search => _search;
    /// <summary>Core features [n, d], float32 (owned by the index).</summary>
    public Tensor CoreFeatures => _search.Bank.Vectors;

    /// <summary>Mean squared distance of each query (a bank row, given by its bank index) to its K nearest other bank
    /// rows.</summary>
    public static float[] Densities(KnnSearch fullBank, Tensor queries, Tensor queryBankIndex, int k,
        IProgress<double>? progress = null)
    {
        using var table = NeighbourDistances(fullBank, queries, queryBankIndex, k, progress);
        return DensityFromNeighbours(table);
    }

    /// <summary>
    /// The density search: the K ascending distances [q, K] from each query (a bank row, given by its bank index) to
    /// its nearest other bank rows. The densities are their means; models without a coreset keep the table for bank
    /// updates. </summary>
    public static Tensor NeighbourDistances(KnnSearch fullBank, Tensor queries, Tensor queryBankIndex, int k,
        IProgress<double>? progress = null)
    {
        using var scope = NewDisposeScope();
        using var result = fullBank.Search(queries, k, queryBankIndex, progress: progress);
        return result.Distances.contiguous().clone().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// density = float32 mean over each row's K ascending neighbour distances [rows, K]. The one reduction: the single
    /// process and the sharded density fit (which merges per-shard neighbours first) both call it, so their densities
    /// are bitwise equal.
    /// </summary>
    public static float[] DensityFromNeighbours(Tensor distances)
    {
        using var scope = NewDisposeScope();
        return distances.mean(new long[] { 1 }).data<float>().ToArray();
    }

    /// <summary>Nearest core feature per query: squared distance and core position.</summary>
    public KnnResult Nearest(Tensor queries) => _search.Search(queries, 1);

    /// <summary>Patch scores [q] for patch features [q, d].</summary>
    public Tensor ScorePatches(Tensor queries)
    {
        using var scope = NewDisposeScope();
        using var nearest = Nearest(queries);
        var scores = PatchScores(nearest.Distances.squeeze(1), nearest.Indices.squeeze(1), _density, Options.Lambda);
        return scores.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Patch scores of queries against the core set minus the cores whose bank index lies in [bankStart, bankEnd):
    /// a training image scored as if it had not been in the bank (threshold calibration).
    /// </summary>
    public Tensor ScorePatchesExcludingBankRange(Tensor queries, long bankStart, long bankEnd)
    {
        using var scope = NewDisposeScope();
        // Core rows are sorted by bank index, so the excluded bank range is one range of core positions.
        var excluded = new BankRange(LowerBound(CoreBankIndex, bankStart), LowerBound(CoreBankIndex, bankEnd));
        if (excluded.Length >= CoreCount)
            throw new InvalidOperationException("no core features left outside the excluded range");
        var ranges = new BankRange[queries.shape[0]];
        Array.Fill(ranges, excluded);
        using var nearest = _search.Search(queries, 1, excludeRanges: ranges);
        return PatchScores(nearest.Distances.squeeze(1), nearest.Indices.squeeze(1), _density, Options.Lambda)
            .MoveToOuterDisposeScope();
    }

    private static int LowerBound(long[] sorted, long value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi) { int mid = (lo + hi) >>> 1; if (sorted[mid] < value) lo = mid + 1; else hi = mid; }
        return lo;
    }

    /// <summary>The scoring rule, shared with the sharded cluster's merge step: d2 - lambda *
    /// density[nearest].</summary>
    public static Tensor PatchScores(Tensor nearestDistance, Tensor nearestIndex, Tensor density, double lambda)
    {
        using var scope = NewDisposeScope();
        if (lambda == 0) return nearestDistance.clone().MoveToOuterDisposeScope();
        var s = nearestDistance - lambda * density.index_select(0, nearestIndex);
        return s.MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        _search.Dispose();
        _density.Dispose();
    }
}
