namespace Reb.Abstractions.Contracts;

/// <summary>
/// A bounded block of patch feature vectors travelling between grains: <see cref="Rows"/> x <see cref="Dim"/> float32,
/// little-endian, row-major in <see cref="Data"/>. Senders split larger sets so that one chunk stays under
/// <see cref="FeatureChunking.DefaultMaxBytes"/>: a message never carries a whole image bank.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record FeatureChunk([property: Id(0)] byte[] Data, [property: Id(1)] int Rows, [property: Id(2)] int Dim)
{
    /// <summary>Throws when the byte count does not match Rows x Dim floats.</summary>
    public void Validate()
    {
        if (Rows < 0 || Dim <= 0 || Data is null || Data.LongLength != (long)Rows * Dim * sizeof(float))
            throw new ArgumentException(
                $"feature chunk: {Data?.LongLength ?? 0} bytes do not hold {Rows} x {Dim} float32 values");
    }
}

/// <summary>Chunk sizing shared by senders (scoring and training grains).</summary>
public static class FeatureChunking
{
    /// <summary>
    /// 4 MiB: far below Orleans' default MaxMessageBodySize (100 MB), and one message for a 256 x 256 image's 1,024
    /// patches (2 MiB): a shard then searches the image in one search. With 1 MiB the image came in two chunks, which a
    /// shard searched one after the other (NearestCoalescer starts a search with what has arrived), and a cluster
    /// scoring one image at a time ran at 0.58x one process (0.85x to 1.18x with 4 MiB; docs/benchmarks.md).
    /// </summary>
    public const int DefaultMaxBytes = 4 << 20;

    /// <summary>Rows of <paramref name="dim"/> floats that fit in <paramref name="maxBytes"/> (at least one).</summary>
    public static int RowsPerChunk(int dim, int maxBytes = DefaultMaxBytes)
        => Math.Max(1, maxBytes / (dim * sizeof(float)));
}
