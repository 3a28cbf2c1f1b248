using Reb.Storage;

namespace Reb.Storage;

/// <summary>
/// Byte-array shortcuts over <see cref="IArtefactStore"/>'s streams. Justified because every blob the grains write
/// (training images, job checkpoints, bank-shard slices) is already a whole array in memory; models never go through
/// here. </summary>
public static class ArtefactStoreBytes
{
    public static async Task PutBytesAsync(this IArtefactStore store, string key, byte[] content,
        CancellationToken ct = default)
    {
        using var s = new MemoryStream(content, writable: false);
        await store.PutAsync(key, s, ct);
    }

    /// <summary>The blob's bytes, or null when there is no such blob.</summary>
    public static async Task<byte[]?> GetBytesAsync(this IArtefactStore store, string key,
        CancellationToken ct = default)
    {
        await using var s = await store.GetAsync(key, ct);
        if (s is null) return null;
        using var copy = new MemoryStream();
        await s.CopyToAsync(copy, ct);
        return copy.ToArray();
    }
}
