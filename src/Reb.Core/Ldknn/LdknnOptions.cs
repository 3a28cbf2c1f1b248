namespace Reb.Core.Ldknn;

/// <summary>LDKNN settings (method spec section 3). Defaults are the reference configuration for MVTec AD /
/// BTAD.</summary>
public sealed record LdknnOptions
{
    /// <summary>Neighbours in the full bank that define a core feature's local density (9 for MVTec AD/BTAD, 45 for
    /// LOCO).</summary>
    public int K { get; init; } = 9;

    /// <summary>Weight of the density term: s(q) = d2(q, m*) - lambda * density(m*). 0 = plain nearest-neighbour
    /// scoring.</summary>
    public double Lambda { get; init; } = 1.0;

    /// <summary>Fraction of the bank kept as core set by approximate greedy k-centre; 1 = no coreset (the
    /// reference).</summary>
    public double CoresetRatio { get; init; } = 1.0;

    /// <summary>Dimensions of the random projection used by the coreset's distance computations.</summary>
    public int CoresetProjection { get; init; } = 128;

    /// <summary>Random starting points of the approximate greedy coreset.</summary>
    public int CoresetStarts { get; init; } = 10;

    public int Seed { get; init; } = 0;

    /// <summary>How banks are searched (flat, cells, or a probe per bank): the same exact answer, only the speed
    /// differs.</summary>
    public Reb.Core.Search.SearchMode Search { get; init; } = Reb.Core.Search.SearchMode.Auto;

    public void Validate()
    {
        if (K < 1) throw new ArgumentOutOfRangeException(nameof(K), K, "K must be at least 1");
        if (double.IsNaN(Lambda)) throw new ArgumentOutOfRangeException(nameof(Lambda), "lambda must be a number");
        if (!(CoresetRatio > 0 && CoresetRatio <= 1))
            throw new ArgumentOutOfRangeException(nameof(CoresetRatio), CoresetRatio,
                "coreset ratio must be in (0, 1]");
    }
}
