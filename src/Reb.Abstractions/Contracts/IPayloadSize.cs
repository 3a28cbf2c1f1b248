namespace Reb.Abstractions.Contracts;

/// <summary>Approximate serialized size of a message argument/result, for the message-size meter.</summary>
public static class PayloadSize
{
    /// <summary>Bytes of the large arrays inside <paramref name="value"/> (small fields are ignored).</summary>
    public static long Of(object? value) => value switch
    {
        null => 0,
        byte[] b => b.LongLength,
        float[] f => f.LongLength * 4,
        long[] l => l.LongLength * 8,
        FeatureChunk c => c.Data.LongLength,
        ScoreRequest r => r.Image.LongLength,
        ScoreResult r => r.Map.LongLength * 4,
        ShardNearest n => n.Distance.LongLength * 16,
        ShardTopK t => t.Distances.LongLength * 12,
        _ => 0,
    };
}
