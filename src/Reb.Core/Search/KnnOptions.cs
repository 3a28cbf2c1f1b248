namespace Reb.Core.Search;

/// <summary>How the candidate screen of the exact kNN search is computed.</summary>
public enum KnnPrecision
{
    /// <summary>Screen with a float32 GEMM (slower, almost never needs a fallback).</summary>
    Float32,
    /// <summary>Screen with a bfloat16 GEMM (about 2.5x faster here), certified per query, float32 fallback.</summary>
    Bf16Screened,
}

/// <summary>Tuning knobs of <see cref="KnnKernel"/>; the result is the same exact search whatever they are.</summary>
public sealed record KnnOptions
{
    /// <summary>Queries per tile (rows of one screening GEMM).</summary>
    public int QueryChunk { get; init; } = 512;
    /// <summary>Bank rows per tile (columns of one screening GEMM). Tile memory = 4 * QueryChunk * BankChunk bytes.</summary>
    public int BankChunk { get; init; } = 8192;
    /// <summary>Screen precision; both give the float32-exact neighbours.</summary>
    public KnnPrecision Precision { get; init; } = KnnPrecision.Bf16Screened;
    /// <summary>Extra screened candidates m kept per query beyond k (more = fewer fallbacks, more re-rank work).
    /// A negative value picks a default from k.</summary>
    public int ScreenExtra { get; init; } = -1;

    /// <summary>The default options.</summary>
    public static KnnOptions Default { get; } = new();

    // Default m: measured on patch-like data, k = 10 needed about 28 % fallbacks at m = 20 and 0.07 % at m = 50;
    // k = 1 about 1 % at m = 16. The re-rank of k + m candidates costs little next to the screen.
    internal int ExtraFor(int k) => ScreenExtra >= 0 ? ScreenExtra : Math.Max(32, 5 * k);

    internal void Validate()
    {
        if (QueryChunk < 1) throw new ArgumentException($"KnnOptions.QueryChunk must be >= 1 (got {QueryChunk}).");
        if (BankChunk < 1) throw new ArgumentException($"KnnOptions.BankChunk must be >= 1 (got {BankChunk}).");
    }
}
