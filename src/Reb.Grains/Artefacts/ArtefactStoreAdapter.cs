using Reb.Core.Artefacts.Store;

namespace Reb.Grains.Artefacts;

/// <summary>The grains' artefact seam over the shared <see cref="IArtefactStore"/> (local folder or Azure Blob).</summary>
public sealed class ArtefactStoreAdapter(IArtefactStore store) : IClusterArtefacts
{
    public Task<string> PublishModelAsync(string modelDir, CancellationToken ct = default) => store.PublishModelAsync(modelDir, ct);

    public Task<string> FetchModelAsync(string version, string cacheRoot, CancellationToken ct = default) => store.FetchModelAsync(version, cacheRoot, ct);

    public Task<bool> ModelExistsAsync(string version, CancellationToken ct = default) => store.ExistsAsync(version, ct);

    public async Task PutAsync(string key, byte[] content, CancellationToken ct = default)
    {
        using var s = new MemoryStream(content, writable: false);
        await store.PutAsync(key, s, ct);
    }

    public async Task<byte[]?> GetAsync(string key, CancellationToken ct = default)
    {
        await using var s = await store.GetAsync(key, ct);
        if (s is null) return null;
        using var copy = new MemoryStream();
        await s.CopyToAsync(copy, ct);
        return copy.ToArray();
    }

    public Task DeleteAsync(string key, CancellationToken ct = default) => store.DeleteAsync(key, ct);
}
