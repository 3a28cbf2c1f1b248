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

/// <summary>Counters of one or more searches: how often the certificate failed and a fallback ran.</summary>
public sealed class KnnSearchStats
{
    /// <summary>Queries searched.</summary>
    public long Queries { get; set; }
    /// <summary>Queries whose bfloat16 screen could not be certified and were searched again with the float32 screen.</summary>
    public long Float32Fallbacks { get; set; }
    /// <summary>Queries that the float32 screen could not certify either (near-ties) and were brute-forced directly.</summary>
    public long BruteForceFallbacks { get; set; }
    /// <summary>True when the bfloat16 screen ran (false: the bank has no bfloat16 copy, Float32 screen used instead).</summary>
    public bool UsedBf16Gemm { get; set; }
}
