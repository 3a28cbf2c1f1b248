using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;

namespace Reb.Abstractions.Client;

/// <summary>
/// Client-side helper: scores through the product line's current version and retries calls that failed because a
/// silo went away (the request is idempotent, the next attempt lands on re-activated shards). Domain errors
/// (<see cref="ModelVersionException"/>, bad arguments, bad images) are not retried.
/// </summary>
public sealed class RebClusterClient(IGrainFactory grains, int maxAttempts = 5, TimeSpan? backoff = null)
{
    private readonly TimeSpan _backoff = backoff ?? TimeSpan.FromMilliseconds(200);

    /// <summary>Attempts that failed and were retried (all calls of this client).</summary>
    public int Retries => _retries;
    private int _retries;

    public IProductLineGrain Line(string line) => grains.GetGrain<IProductLineGrain>(line);

    /// <summary>Scores one encoded image with the line's current version.</summary>
    public Task<ScoreResult> ScoreAsync(string line, byte[] image, string name, CancellationToken ct = default) =>
        RetryAsync(() => Line(line).Score(image, name), ct);

    /// <summary>Runs <paramref name="call"/>, retrying transient cluster failures with linear backoff.</summary>
    public async Task<T> RetryAsync<T>(Func<Task<T>> call, CancellationToken ct = default)
    {
        for (int attempt = 1; ; attempt++)
        {
            try { return await call(); }
            catch (Exception e) when (attempt < maxAttempts && IsTransient(e))
            {
                Interlocked.Increment(ref _retries);
                await Task.Delay(_backoff * attempt, ct);
            }
        }
    }

    /// <summary>Silo loss, rejected/timed-out messages and connection failures; never domain errors.</summary>
    public static bool IsTransient(Exception e) => e switch
    {
        ModelVersionException or ArgumentException or InvalidOperationException { Source: "Reb.Core" } => false,
        TimeoutException => true,
        OrleansException => true,
        AggregateException a => a.InnerExceptions.Any(IsTransient),
        _ => e.InnerException is { } inner && IsTransient(inner),
    };
}
