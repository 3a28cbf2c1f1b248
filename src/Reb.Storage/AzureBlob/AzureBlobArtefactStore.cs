using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Polly.CircuitBreaker;
using Reb.Storage;

namespace Reb.Storage;

/// <summary>
/// Artefact store in one Azure Blob Storage container (or Azurite), shareable by several sites: model versions are
/// content-addressed, so a version published by one site is the same bytes for every other. Every remote call runs
/// under one <see cref="ArtefactStoreResilience"/> pipeline; the client's own retries must be off (use
/// <see cref="CreateClientOptions"/>). Blobs carry their SHA-256 in metadata and are checked when read.
/// </summary>
public sealed class AzureBlobArtefactStore : ArtefactStoreBase
{
    private readonly BlobContainerClient _container;
    private readonly AzureBlobArtefactStoreOptions _options;
    private readonly ArtefactStoreResilience _resilience;
    private readonly BlobTransfers _transfers;
    private volatile bool _containerExists;

    /// <summary>Client options for this store: the SDK's own retries off, so only the Polly pipeline retries.</summary>
    public static BlobClientOptions CreateClientOptions()
    {
        var o = new BlobClientOptions();
        o.Retry.MaxRetries = 0;
        return o;
    }

    public AzureBlobArtefactStore(string connectionString, string containerName, IModelFormat format,
        AzureBlobArtefactStoreOptions? options = null)
        : this(new BlobContainerClient(connectionString, containerName, CreateClientOptions()), format, options) { }

    /// <param name="container">A client built with <see cref="CreateClientOptions"/> (or with Retry.MaxRetries =
    /// 0).</param>
    public AzureBlobArtefactStore(BlobContainerClient container, IModelFormat format,
        AzureBlobArtefactStoreOptions? options = null)
        : base(format)
    {
        ArgumentNullException.ThrowIfNull(container);
        _container = container;
        _options = options ?? new AzureBlobArtefactStoreOptions();
        if (_options.BlockBytes is < 1 or > 100 << 20)
            throw new ArgumentOutOfRangeException(nameof(options), _options.BlockBytes,
                "BlockBytes must be between 1 byte and 100 MiB");
        // The URI without its query: a SAS token must never end up in a message or a log.
        Description = $"Azure blob container '{container.Name}' ({container.Uri.GetLeftPart(UriPartial.Path)})";
        _resilience = new ArtefactStoreResilience(_options.Resilience, Description, _options.LoggerFactory);
        _transfers = new BlobTransfers(_resilience, _options.BlockBytes);
    }

    public override string Description { get; }

    /// <summary>State of the circuit breaker shared by all calls of this store.</summary>
    public CircuitState CircuitState => _resilience.CircuitState;

    private BlockBlobClient Blob(string path) => _container.GetBlockBlobClient(path);

    private async Task EnsureContainerAsync(CancellationToken ct)
    {
        if (_containerExists) return;
        await _resilience.ExecuteAsync($"create container {_container.Name}",
            async t => { await _container.CreateIfNotExistsAsync(cancellationToken: t).ConfigureAwait(false); }, ct)
                .ConfigureAwait(false);
        _containerExists = true;
    }

    protected override async Task<bool> PathExistsAsync(string path, CancellationToken ct) =>
        await _transfers.TryGetPropertiesAsync(Blob(path), ct).ConfigureAwait(false) != null;

    protected override async Task<byte[]?> ReadSmallAsync(string path, CancellationToken ct)
    {
        var got = await _transfers.DownloadAsync(Blob(path), _ => new MemoryStream(), ct).ConfigureAwait(false);
        if (got == null) return null;
        await using var _ = got.Destination;
        if (got.Metadata.TryGetValue(BlobTransfers.Sha256Metadata, out var sha) && sha != got.Actual.Sha256)
            throw Format.Damaged($"{path} in {Description}: checksum mismatch (the blob is corrupt)");
        return ((MemoryStream)got.Destination).ToArray();
    }

    protected override async Task WriteSmallAsync(string path, byte[] bytes, CancellationToken ct)
    {
        await EnsureContainerAsync(ct).ConfigureAwait(false);
        await _transfers.UploadAsync(Blob(path), new MemoryStream(bytes, writable: false), null, ct)
            .ConfigureAwait(false);
    }

    protected override async Task UploadModelFileAsync(string path, string sourceFile, StoredFile expected,
        CancellationToken ct)
    {
        await EnsureContainerAsync(ct).ConfigureAwait(false);
        var blob = Blob(path);
        // Resuming an interrupted publish: a file already stored with the right checksum is not sent again.
        var existing = await _transfers.TryGetPropertiesAsync(blob, ct).ConfigureAwait(false);
        if (existing != null && existing.ContentLength == expected.Bytes
            && existing.Metadata.TryGetValue(BlobTransfers.Sha256Metadata, out var sha) && sha == expected.Sha256)
            return;

        await using var source =
            new FileStream(sourceFile, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        await _transfers.UploadAsync(blob, source, sent =>
        {
            if (sent != expected)
                throw Format.Damaged($"{sourceFile} changed while it was being published (what was read does not " +
                    "match the manifest entry); nothing was committed");
        }, ct).ConfigureAwait(false);
    }

    protected override async Task<bool> DownloadModelFileAsync(string path, string destinationFile,
        CancellationToken ct)
    {
        var got = await _transfers.DownloadAsync(Blob(path),
            _ => new FileStream(destinationFile, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16,
                useAsync: true), ct).ConfigureAwait(false);
        if (got == null) return false;
        await got.Destination.DisposeAsync().ConfigureAwait(false);
        return true; // the caller checks the file against the manifest
    }

    protected override async Task<IReadOnlyList<string>> ListPathsAsync(string prefix, CancellationToken ct)
    {
        try
        {
            // One listing is one operation: a failure restarts it, so no page is skipped or repeated.
            return await _resilience.ExecuteAsync($"list {prefix}", async t =>
            {
                var names = new List<string>();
                await foreach (var item in _container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, t)
                    .ConfigureAwait(false))
                    names.Add(item.Name);
                return (IReadOnlyList<string>)names;
            }, ct).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 404) { return []; } // no container yet: nothing stored
    }

    protected override async Task PutBlobAsync(string path, Stream content, CancellationToken ct)
    {
        await EnsureContainerAsync(ct).ConfigureAwait(false);
        await _transfers.UploadAsync(Blob(path), content, null, ct).ConfigureAwait(false);
    }

    protected override async Task<Stream?> GetBlobAsync(string path, CancellationToken ct)
    {
        var got = await _transfers.DownloadAsync(Blob(path), length => length <= _options.InMemoryReadLimitBytes
            ? new MemoryStream()
            : new FileStream(Path.Combine(Path.GetTempPath(), $"reb-blob-{Guid.NewGuid():N}"), FileMode.CreateNew,
                FileAccess.ReadWrite,
                FileShare.None, 1 << 16, FileOptions.DeleteOnClose | FileOptions.Asynchronous), ct)
                    .ConfigureAwait(false);
        if (got == null) return null;
        var key = path[ArtefactKeys.BlobsPrefix.Length..];
        string? problem = !got.Metadata.TryGetValue(BlobTransfers.Sha256Metadata, out var sha)
            ? "it has no sha256 metadata (it was not written by this store)"
            : sha != got.Actual.Sha256 ? $"checksum mismatch (stored sha256 {sha}, read {got.Actual.Sha256})" : null;
        if (problem == null) return got.Destination;
        await got.Destination.DisposeAsync().ConfigureAwait(false);
        throw new InvalidDataException($"blob '{key}' in {Description} is refused: {problem}");
    }

    protected override async Task<long?> PathSizeAsync(string path, CancellationToken ct) =>
        (await _transfers.TryGetPropertiesAsync(Blob(path), ct).ConfigureAwait(false))?.ContentLength;

    protected override async Task<bool> DeleteBlobAsync(string path, CancellationToken ct)
    {
        try
        {
            return await _resilience.ExecuteAsync($"delete {path}",
                async t => (await Blob(path).DeleteIfExistsAsync(cancellationToken: t).ConfigureAwait(false)).Value, ct)
                    .ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 404) { return false; }
    }
}
