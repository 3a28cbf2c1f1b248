namespace Reb.Client;

/// <summary>Where the gateway is, the API key, and how patient the client is.</summary>
public sealed class RebClientOptions
{
    /// <summary>The gateway, e.g. "http://localhost:8080/".</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>"reb_&lt;id&gt;_&lt;secret&gt;", sent as X-Api-Key.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Retries of a safe call (GET) after a transport failure, 408, 429 or 5xx.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>First backoff; it doubles (with jitter) on each retry.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest wait for one attempt's answer (headers). A training upload of many images may need
    /// more.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(120);
}
