using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Reb.Client;

/// <summary>
/// The client's resilience pipeline (Microsoft.Extensions.Http.Resilience): retries with exponential backoff and
/// jitter only for safe methods (GET, HEAD): an inspection, a training start or a review is never sent twice by the
/// client, since the gateway would record it twice. Retried: transport failures, 408, 429 and 5xx, honouring
/// Retry-After. Each attempt has <see cref="RebClientOptions.AttemptTimeout"/>.
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
        retry.DisableForUnsafeHttpMethods();
        return new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(retry)
            .AddTimeout(new HttpTimeoutStrategyOptions { Timeout = options.AttemptTimeout })
            .Build();
    }

    /// <summary>True for answers the pipeline retries (for safe methods).</summary>
    public static bool IsTransient(HttpStatusCode status) => status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError;
}
