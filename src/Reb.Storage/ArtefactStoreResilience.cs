using Azure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;
using Reb.Storage;

namespace Reb.Storage;

/// <summary>
/// The single Polly v8 pipeline that governs every remote call of one store: retry (jittered exponential backoff)
/// around a circuit breaker around a per-attempt timeout. The Azure SDK's own retries are off, so a failure is
/// counted once, by one breaker. Failures that outlive the pipeline become <see
/// cref="ArtefactStoreUnavailableException"/>. </summary>
public sealed class ArtefactStoreResilience
{
    private readonly CircuitBreakerStateProvider _circuit = new();
    private readonly string _storeDescription;
    private long _openUntilUtcTicks;

    public ArtefactStoreResilience(ArtefactStoreResilienceOptions options, string storeDescription,
        ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        _storeDescription = storeDescription;
        var log = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<ArtefactStoreResilience>();

        var builder = new ResiliencePipelineBuilder { Name = "artefact-store" };
        // Polly refuses MaxRetryAttempts = 0; "no retries" simply means no retry strategy.
        if (options.MaxRetryAttempts > 0) builder.AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e
                && IsTransient(e, args.Context.CancellationToken)),
            MaxRetryAttempts = options.MaxRetryAttempts,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = options.RetryBaseDelay,
            MaxDelay = options.RetryMaxDelay,
            OnRetry = args =>
            {
                log.LogDebug("{Store}: attempt {Attempt} failed ({Error}); retrying in {Delay} ms", storeDescription,
                    args.AttemptNumber + 1, Summarize(args.Outcome.Exception), args.RetryDelay.TotalMilliseconds);
                return ValueTask.CompletedTask;
            },
        });
        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            // Only transient failures count: a 404 is an answer, not an outage.
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e
                && IsTransient(e, args.Context.CancellationToken)),
            FailureRatio = options.FailureRatio,
            MinimumThroughput = options.MinimumThroughput,
            SamplingDuration = options.SamplingDuration,
            BreakDuration = options.BreakDuration,
            StateProvider = _circuit,
            OnOpened = args =>
            {
                Interlocked.Exchange(ref _openUntilUtcTicks, (DateTimeOffset.UtcNow + args.BreakDuration).UtcTicks);
                log.LogWarning("{Store}: circuit opened for {Seconds:0.0} s after repeated failures ({Error})",
                    storeDescription,
                    args.BreakDuration.TotalSeconds, Summarize(args.Outcome.Exception));
                return ValueTask.CompletedTask;
            },
            OnClosed = _ =>
            {
                log.LogInformation("{Store}: circuit closed, the store answers again", storeDescription);
                return ValueTask.CompletedTask;
            },
        });
        builder.AddTimeout(options.AttemptTimeout);
        if (loggerFactory != null) builder.ConfigureTelemetry(loggerFactory);
        Pipeline = builder.Build();
    }

    public ArtefactStoreResilienceOptions Options { get; }

    public ResiliencePipeline Pipeline { get; }

    /// <summary>Closed (normal), Open (failing fast), HalfOpen (one trial call) or Isolated.</summary>
    public CircuitState CircuitState => _circuit.CircuitState;

    /// <summary>
    /// True for failures worth another attempt: no answer (network error, reset, timeout) or a server-side
    /// "try later" (408, 429, 5xx). A cancellation is transient only when the caller did not ask for it
    /// (then it is the SDK's network timeout).
    /// </summary>
    public static bool IsTransient(Exception e, CancellationToken callerToken) => e switch
    {
        TimeoutRejectedException => true,
        ExecutionRejectedException => false, // e.g. an open circuit: failing fast is the point
        RequestFailedException r => r.Status is 0 or 408 or 429 or >= 500,
        HttpRequestException => true,
        FileNotFoundException or DirectoryNotFoundException => false,
        IOException => true,
        OperationCanceledException => !callerToken.IsCancellationRequested,
        _ => false,
    };

    public async Task ExecuteAsync(string operation, Func<CancellationToken, ValueTask> call, CancellationToken ct)
        => await ExecuteAsync<bool>(operation, async t => { await call(t).ConfigureAwait(false); return true; }, ct)
        .ConfigureAwait(false);

    /// <summary>Runs one remote call under the pipeline; <paramref name="operation"/> names it in error
    /// messages.</summary>
    public async Task<T> ExecuteAsync<T>(string operation, Func<CancellationToken, ValueTask<T>> call,
        CancellationToken ct)
    {
        var attempts = 0;
        try
        {
            return await Pipeline.ExecuteAsync(async t =>
            {
                Interlocked.Increment(ref attempts);
                return await call(t).ConfigureAwait(false);
            }, ct).ConfigureAwait(false);
        }
        catch (BrokenCircuitException e)
        {
            var now = DateTimeOffset.UtcNow;
            var retryAt = e.RetryAfter is { } after ? now + after
                : new DateTimeOffset(Interlocked.Read(ref _openUntilUtcTicks), TimeSpan.Zero);
            var wait = retryAt > now ? retryAt - now : TimeSpan.Zero;
            var tried = attempts == 0 ? "was not attempted" : $"failed after {attempts} attempt(s)";
            throw new ArtefactStoreUnavailableException(
                $"{_storeDescription} is unreachable: {operation} {tried} because the circuit breaker is open after " +
                "repeated failures. " +
                $"Calls fail fast until the store is tried again at {retryAt:HH:mm:ss.fff} UTC (in " +
                $"{wait.TotalSeconds:0.0} s).", retryAt, e);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && IsTransient(e, ct))
        {
            throw new ArtefactStoreUnavailableException(
                $"{_storeDescription} is unreachable: {operation} failed after {attempts} attempt(s), last error: " +
                $"{Summarize(e)}. " +
                "Nothing was made visible half-written; try again later.", null, e);
        }
    }

    private static string Summarize(Exception? e) => e switch
    {
        null => "no exception",
        RequestFailedException { Status: > 0 } r => $"HTTP {r.Status} {r.ErrorCode}".TrimEnd(),
        _ => $"{e.GetType().Name}: {e.Message.Split('\n')[0].Trim()}",
    };
}
