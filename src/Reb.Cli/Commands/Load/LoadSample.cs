namespace Reb.Cli.Commands.Load;

/// <summary>How one request ended.</summary>
public enum LoadOutcome
{
    /// <summary>2xx: an inspection result.</summary>
    Ok,
    /// <summary>429 or 503 with Retry-After: the gateway refused politely; the client waits and goes on.</summary>
    Retryable,
    /// <summary>Any other status, or no HTTP answer at all (connection refused/reset).</summary>
    HardError,
    /// <summary>No answer within the client timeout.</summary>
    Hung,
    /// <summary>
    /// No HTTP answer from one of several endpoints (refused or reset: its silo is gone); the client sent the same
    /// request to the next endpoint at once and stays there, as a load balancer would. Its answer is its own sample.
    /// </summary>
    FailedOver,
}

/// <summary>One request: when it started (since the run's start), how long it took, how it ended.</summary>
/// <param name="Status">HTTP status, or 0 without an answer.</param>
/// <param name="Error">Exception type when there was no answer (e.g. HttpRequestException), else null.</param>
public sealed record LoadSample(double StartSeconds, double LatencyMs, LoadOutcome Outcome, int Status, string? Error);
