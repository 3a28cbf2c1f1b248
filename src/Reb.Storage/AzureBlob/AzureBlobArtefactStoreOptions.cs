using Microsoft.Extensions.Logging;

namespace Reb.Storage;

/// <summary>Settings of <see cref="AzureBlobArtefactStore"/>.</summary>
public sealed record AzureBlobArtefactStoreOptions
{
    public ArtefactStoreResilienceOptions Resilience { get; init; } = new();

    /// <summary>
    /// Unit of transfer: uploads are staged as blocks of this size and downloads read ranges of this size, each one
    /// remote call that is retried alone. Also the memory one transfer holds (one buffer, whatever the file size).
    /// </summary>
    public int BlockBytes { get; init; } = 8 << 20;

    /// <summary>Generic blobs up to this size are verified in memory by GetAsync; larger ones in a temp file.</summary>
    public int InMemoryReadLimitBytes { get; init; } = 4 << 20;

    /// <summary>Receives retry and circuit-breaker events; null for none.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}
