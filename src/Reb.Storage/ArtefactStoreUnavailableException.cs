namespace Reb.Storage;

/// <summary>
/// A remote artefact store could not be reached: retries were exhausted, or its circuit breaker is open and calls
/// fail fast until <see cref="RetryAtUtc"/>. Nothing was written partially: a model becomes visible only once
/// complete, and the caller may simply try again later.
/// </summary>
public sealed class ArtefactStoreUnavailableException(string message, DateTimeOffset? retryAtUtc = null,
    Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>When the store will next be tried (circuit open), if known.</summary>
    public DateTimeOffset? RetryAtUtc { get; } = retryAtUtc;
}
