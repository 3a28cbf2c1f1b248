namespace Reb.Grains.Artefacts;

/// <summary>
/// What the grains need from the artefact store: models by content address (published, fetched verified into a
/// local cache) and small generic blobs (training images, job checkpoints). A seam over the shared artefact store,
/// so grains never depend on which backend (local folder or Azure Blob) a silo runs with.
/// </summary>
public interface IClusterArtefacts
{
    /// <summary>Publishes a model directory; returns its version (content address).</summary>
    Task<string> PublishModelAsync(string modelDir, CancellationToken ct = default);

    /// <summary>
    /// A local, checksum-verified copy of a model version under <paramref name="cacheRoot"/>. Throws
    /// <see cref="Reb.Core.Artefacts.ModelFormatException"/> when the version is missing or corrupt.
    /// </summary>
    Task<string> FetchModelAsync(string version, string cacheRoot, CancellationToken ct = default);

    Task<bool> ModelExistsAsync(string version, CancellationToken ct = default);

    Task PutAsync(string key, byte[] content, CancellationToken ct = default);

    /// <summary>The blob's bytes, or null when there is no such blob.</summary>
    Task<byte[]?> GetAsync(string key, CancellationToken ct = default);

    Task DeleteAsync(string key, CancellationToken ct = default);
}
