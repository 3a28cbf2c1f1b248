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

    internal int ExtraFor(int k) => ScreenExtra >= 0 ? ScreenExtra : Math.Max(16, 2 * k);

    internal void Validate()
    {
        if (QueryChunk < 1) throw new ArgumentException($"KnnOptions.QueryChunk must be >= 1 (got {QueryChunk}).");
        if (BankChunk < 1) throw new ArgumentException($"KnnOptions.BankChunk must be >= 1 (got {BankChunk}).");
    }
}
