using System.Runtime.InteropServices;
using Reb.Abstractions.Contracts;
using static TorchSharp.torch;

namespace Reb.Grains.Fanout;

/// <summary>Conversions between feature tensors and bounded <see cref="FeatureChunk"/> payloads.</summary>
public static class FeatureChunks
{
    /// <summary>Splits [n, d] float32 features into chunks of at most <paramref name="maxBytes"/> bytes each.</summary>
    public static List<FeatureChunk> Split(float[] features, int dim, int maxBytes)
    {
        int rowsPer = FeatureChunking.RowsPerChunk(dim, maxBytes);
        int rows = features.Length / dim;
        var chunks = new List<FeatureChunk>();
        for (int start = 0; start < rows; start += rowsPer)
        {
            int n = Math.Min(rowsPer, rows - start);
            var bytes = MemoryMarshal.AsBytes(features.AsSpan(start * dim, n * dim)).ToArray();
            chunks.Add(new FeatureChunk(bytes, n, dim));
        }
        return chunks;
    }

    /// <summary>The chunk as a [rows, dim] float32 tensor (a copy).</summary>
    public static Tensor ToTensor(FeatureChunk chunk)
    {
        chunk.Validate();
        var floats = MemoryMarshal.Cast<byte, float>(chunk.Data).ToArray();
        return tensor(floats).reshape(chunk.Rows, chunk.Dim);
    }
}
