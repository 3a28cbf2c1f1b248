namespace Reb.Storage;

/// <summary>
/// Settings of the one resilience pipeline around every remote artefact-store call. Defaults suit a store across a
/// WAN; tests shrink the durations. One attempt moves at most one transfer block, so <see cref="AttemptTimeout"/>
/// bounds a block, not a whole 400 MB file.
/// </summary>
public sealed record ArtefactStoreResilienceOptions
{
    /// <summary>Longest one attempt (one request, including its body) may take before it is abandoned and
    /// retried.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries after the first attempt (0 for none), for transient failures only (408, 429, 5xx, network
    /// errors, timeouts).</summary>
    public int MaxRetryAttempts { get; init; } = 4;

    /// <summary>First backoff delay; it grows exponentially with jitter (decorrelated), capped by <see
    /// cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The circuit opens when at least this share of the attempts in <see cref="SamplingDuration"/> failed
    /// transiently...</summary>
    public double FailureRatio { get; init; } = 0.5;

    /// <summary>...and at least this many attempts were made in that window (Polly needs 2 or more).</summary>
    public int MinimumThroughput { get; init; } = 10;

    /// <summary>Window over which the failure ratio is measured (Polly needs 0.5 s or more).</summary>
    public TimeSpan SamplingDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an open circuit fails calls fast before one trial call is let through (Polly needs 0.5 s or
    /// more).</summary>
    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(15);
}
