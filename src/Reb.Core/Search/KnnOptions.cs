namespace Reb.Core.Search;

/// <summary>Which GEMM screens the bank (chosen when the bank is prepared).</summary>
public enum KnnPrecision
{
    /// <summary>Screen with a float32 GEMM (tighter bound, about half the speed).</summary>
    Float32,
    /// <summary>Screen with a bfloat16 GEMM accumulating in float32 (MKL gemm_bf16bf16f32); the float32 screen is used
    /// instead when the start-up probe finds no such GEMM.</summary>
    Bf16Screened,
}

/// <summary>Tuning knobs of <see cref="KnnKernel"/>; the result is the same exact search whatever they are.</summary>
public sealed record KnnOptions
{
    /// <summary>Queries per tile (rows of one screening GEMM).</summary>
    public int QueryChunk { get; init; } = 512;
    /// <summary>Bank rows per tile (columns of one screening GEMM). Tile memory = 4 * QueryChunk * BankChunk bytes.</summary>
    public int BankChunk { get; init; } = 8192;
    /// <summary>Screen precision of a bank prepared with these options (<see cref="KnnBank.Create"/>).</summary>
    public KnnPrecision Precision { get; init; } = KnnPrecision.Bf16Screened;

    /// <summary>The default options.</summary>
    public static KnnOptions Default { get; } = new();

    internal void Validate()
    {
        if (QueryChunk < 1) throw new ArgumentException($"KnnOptions.QueryChunk must be >= 1 (got {QueryChunk}).");
        if (BankChunk < 1) throw new ArgumentException($"KnnOptions.BankChunk must be >= 1 (got {BankChunk}).");
    }
}
