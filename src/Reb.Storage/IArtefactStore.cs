namespace Reb.Storage;

/// <summary>
/// Where model versions and other blobs (training uploads, checkpoints) live between machines. Models are
/// content-addressed: a version names exactly one set of bytes, so several sites may share one store and a version
/// published by one is usable by all. Every read is verified against a checksum.
/// </summary>
/// <remarks>
/// Keys of generic blobs are relative '/'-separated paths ("checkpoints/job-7/step-3.bin"); '..', absolute paths,
/// backslashes and empty segments are refused with <see cref="ArgumentException"/>. Generic blobs live in their own
/// namespace, so they can never be mistaken for (or overwrite) a model version.
/// A remote implementation throws <see cref="ArtefactStoreUnavailableException"/> when the store cannot be reached.
/// </remarks>
public interface IArtefactStore
{
    /// <summary>Human-readable name of the store for messages (kind and location).</summary>
    string Description { get; }

    /// <summary>
    /// Validates <paramref name="modelDir"/> (manifest and every listed file's checksum), uploads its files and then
    /// model.json last, whose presence marks the version complete. Publishing a version that is already complete
    /// does nothing. Returns the version (the content address).
    /// </summary>
    /// <exception cref="Exception">the format's <see cref="IModelFormat.Damaged"/> exception: the directory is not a
    /// valid, intact model.</exception>
    Task<string> PublishModelAsync(string modelDir, CancellationToken ct = default);

    /// <summary>
    /// Makes <c>&lt;cacheRoot&gt;/&lt;version&gt;</c> a verified copy of the version and returns its path. An intact
    /// cached
    /// copy is reused; otherwise the files are downloaded into a temporary folder, checked, and renamed into place, so
    /// the cache never holds a half-written version.
    /// </summary>
    /// <exception cref="ModelNotFoundException">the store has no complete version of that name.</exception>
    /// <exception cref="Exception">the format's <see cref="IModelFormat.Damaged"/> exception: a stored file is missing
    /// or fails its checksum (the message names it).</exception>
    Task<string> FetchModelAsync(string version, string cacheRoot, CancellationToken ct = default);

    /// <summary>True when the store holds the complete version (its model.json is present).</summary>
    Task<bool> ExistsAsync(string version, CancellationToken ct = default);

    /// <summary>Complete versions only, sorted ordinally.</summary>
    Task<IReadOnlyList<string>> ListModelsAsync(CancellationToken ct = default);

    /// <summary>Stores <paramref name="content"/> (read to its end) under <paramref name="key"/>, replacing an older
    /// blob atomically.</summary>
    Task PutAsync(string key, Stream content, CancellationToken ct = default);

    /// <summary>
    /// Opens the blob for reading, or null when there is none. A remote store checks the blob's checksum before
    /// handing it out and throws <see cref="InvalidDataException"/> naming the key when it does not match.
    /// </summary>
    Task<Stream?> GetAsync(string key, CancellationToken ct = default);

    /// <summary>Removes the blob; false when there was none.</summary>
    Task<bool> DeleteAsync(string key, CancellationToken ct = default);

    /// <summary>Size in bytes of a generic blob, or null when there is none (what retention reports as
    /// freed).</summary>
    Task<long?> SizeAsync(string key, CancellationToken ct = default);

    /// <summary>
    /// Removes a version: its model.json first (from then on no reader sees it complete), then its files. Returns the
    /// bytes removed, 0 when the store had no such version. The caller decides that nothing needs it any more.
    /// </summary>
    Task<long> DeleteModelAsync(string version, CancellationToken ct = default);

    /// <summary>Keys of generic blobs that start with <paramref name="prefix"/> ("" for all), sorted
    /// ordinally.</summary>
    Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken ct = default);
}
