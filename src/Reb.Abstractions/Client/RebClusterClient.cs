using Polly;
using Polly.Retry;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;

namespace Reb.Abstractions.Client;

/// <summary>
/// Client-side helper: scores through the product line's current version and retries calls that failed because a
/// silo went away (the request is idempotent, the next attempt lands on re-activated shards). Domain errors
/// (<see cref="ModelVersionException"/>, bad arguments, bad images) are not retried.
/// </summary>
public sealed class RebClusterClient
{
    private readonly IGrainFactory grains;
    private readonly ResiliencePipeline _retry;

    /// <param name="grains">The cluster client's grain factory.</param>
    /// <param name="maxAttempts">Attempts per call, the first included (1 = no retry).</param>
    /// <param name="backoff">Wait before the n-th retry: n times this (linear), 200 ms by default.</param>
    public RebClusterClient(IGrainFactory grains, int maxAttempts = 5, TimeSpan? backoff = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        this.grains = grains;
        var builder = new ResiliencePipelineBuilder();
        if (maxAttempts > 1)
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
                MaxRetryAttempts = maxAttempts - 1,
                Delay = backoff ?? TimeSpan.FromMilliseconds(200),
                BackoffType = DelayBackoffType.Linear,
                UseJitter = false,
                OnRetry = _ => { Interlocked.Increment(ref _retries); return default; },
            });
        _retry = builder.Build();
    }

    /// <summary>Attempts that failed and were retried (all calls of this client).</summary>
    public int Retries => _retries;
    private int _retries;

    public IProductLineGrain Line(string line) => grains.GetGrain<IProductLineGrain>(line);

    /// <summary>
    /// Scores one encoded image with the line's current version: the line's status is read once (and again after a
    /// version error), then images go straight to the stateless scoring workers, so a busy line's registry grain is
    /// not a bottleneck and a lost registry activation does not fail scoring.
    /// </summary>
    public async Task<ScoreResult> ScoreAsync(string line, byte[] image, string name, CancellationToken ct = default)
    {
        var status = await StatusAsync(line, refresh: false, ct);
        if (status.Current is null) throw new ModelVersionException($"line '{line}' has no current model version");
        var settings = await RetryAsync(() => grains.GetGrain<ILineOperationsGrain>(line).GetSettings(), ct);
        return await ScoreAsync(ScoreRequestFor(line, status, settings, image, name), ct);
    }

    /// <summary>
    /// The request for the line's current version, carrying the line's threshold override: the scoring grain decides
    /// the verdict against it, so the CLI, the gateway, the dashboard and the inspection log show one verdict.
    /// </summary>
    public static ScoreRequest ScoreRequestFor(string line, ProductLineStatus status, LineSettings settings,
        byte[] image, string name) =>
        new(line, status.Current ?? throw new ModelVersionException($"line '{line}' has no current model version"),
            status.Shards, image, name, settings.ThresholdOverride);

    /// <summary>Scores through a stateless scoring grain, retrying transient failures (scoring is
    /// idempotent).</summary>
    public Task<ScoreResult> ScoreAsync(ScoreRequest request, CancellationToken ct = default) =>
        RetryAsync(() => grains.GetGrain<IScoringGrain>(0).Score(request), ct);

    /// <summary>The line's registry status, cached per client until <paramref name="refresh"/>.</summary>
    public async Task<ProductLineStatus> StatusAsync(string line, bool refresh = true, CancellationToken ct = default)
    {
        if (!refresh && _status.TryGetValue(line, out var cached)) return cached;
        var status = await RetryAsync(() => Line(line).GetStatus(), ct);
        _status[line] = status;
        return status;
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ProductLineStatus> _status = new();

    /// <summary>
    /// Runs <paramref name="call"/>, retrying transient cluster failures with linear backoff (one Polly pipeline);
    /// returns (throwing
    /// <see cref="OperationCanceledException"/>) as soon as <paramref name="ct"/> fires, even while a call is in
    /// flight. </summary>
    public async Task<T> RetryAsync<T>(Func<Task<T>> call, CancellationToken ct = default) =>
        // WaitAsync: a grain call to a silo that just died waits for Orleans' response timeout or for membership to
        // declare the silo dead (tens of seconds); a caller with a deadline stops waiting when its token fires (the
        // abandoned call ends on its own later).
        await _retry.ExecuteAsync(async token => await call().WaitAsync(token), ct);

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
