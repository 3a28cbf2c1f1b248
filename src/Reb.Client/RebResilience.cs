using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Reb.Client;

/// <summary>
/// The client's resilience pipeline (Microsoft.Extensions.Http.Resilience): retries with exponential backoff and
/// jitter only for safe methods (GET, HEAD) and for requests with an <c>Idempotency-Key</c> (an inspection: the
/// gateway answers a resend with the inspection the key recorded). A training start or a review is never sent twice
/// by the client, since the gateway would record it twice. Retried: transport failures (a gateway that died
/// mid-request), 408, 429 and 5xx, honouring Retry-After. Each attempt has
/// <see cref="RebClientOptions.AttemptTimeout"/>.
/// </summary>
public static class RebResilience
{
    public static ResiliencePipeline<HttpResponseMessage> Pipeline(RebClientOptions options)
    {
        var retry = new HttpRetryStrategyOptions
        {
            MaxRetryAttempts = options.MaxRetries,
            Delay = options.RetryDelay,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            ShouldRetryAfterHeader = true,
        };
        var transient = retry.ShouldHandle;
        retry.ShouldHandle = args => args.Context.GetRequestMessage() is { } request && MaySendAgain(request)
            ? transient(args)
            : ValueTask.FromResult(false);
        return new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(retry)
            .AddTimeout(new HttpTimeoutStrategyOptions { Timeout = options.AttemptTimeout })
            .Build();
    }

    /// <summary>The header that names one inspection across resends (the gateway's RequestKeys).</summary>
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>Safe methods, and any request the gateway recognises when it comes again (an idempotency
    /// key).</summary>
    public static bool MaySendAgain(HttpRequestMessage request) =>
        request.Method == HttpMethod.Get || request.Method == HttpMethod.Head
        || request.Headers.Contains(IdempotencyKeyHeader);

    /// <summary>True for answers the pipeline retries (for safe methods).</summary>
    public static bool IsTransient(HttpStatusCode status) => status is HttpStatusCode.RequestTimeout
        or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError;
}
