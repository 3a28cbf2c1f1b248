using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Reb.Gateway.Errors;

namespace Reb.Gateway.Access;

/// <summary>
/// The per-key fixed-window limiter, one instance per gateway, shared by the request middleware (one permit per
/// request) and the batch endpoint (one more permit per further image: a batch of 30 images costs what 30 single
/// inspections cost). Requests without a key are not limited here.
/// </summary>
public sealed class KeyRateLimiter : IDisposable
{
    public PartitionedRateLimiter<string> Limiter { get; }
    public int PermitsPerMinute { get; }

    public KeyRateLimiter(IOptions<GatewayOptions> options)
    {
        PermitsPerMinute = Math.Max(1, options.Value.RateLimitPerMinute);
        Limiter =
            PartitionedRateLimiter.Create<string, string>(keyId => RateLimitPartition.GetFixedWindowLimiter(keyId, _ =>
            new FixedWindowRateLimiterOptions
            {
                PermitLimit = PermitsPerMinute,
                Window = TimeSpan.FromMinutes(1),
                QueueLimit = 0
            }));
    }

    /// <summary>Takes <paramref name="permits"/> more permits of <paramref name="keyId"/>; 429 when the window has
    /// fewer left.</summary>
    public void Take(string keyId, int permits)
    {
        if (permits <= 0) return;
        using var lease = permits > PermitsPerMinute ? null : Limiter.AttemptAcquire(keyId, permits);
        if (lease is { IsAcquired: true }) return;
        GatewayTelemetry.Refusals.Add(1, new KeyValuePair<string, object?>("reason", "rate-limit"));
        var wait = lease?.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) == true ? retryAfter
            : TimeSpan.FromMinutes(1);
        throw new GatewayProblem(429, "Too many requests",
            $"this key is limited to {PermitsPerMinute} images per minute; this request needs {permits} more",
            wait < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : wait);
    }

    public void Dispose() => Limiter.Dispose();
}

/// <summary>Registers <see cref="KeyRateLimiter"/> as the global limiter (runs after authentication).</summary>
public static class RateLimiting
{
    public static void Configure(RateLimiterOptions o, GatewayOptions gateway, Func<KeyRateLimiter> keys)
    {
        o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(ctx =>
        {
            var keyId = ctx.User.FindFirst(Caller.KeyIdClaim)?.Value;
            if (keyId is null) return RateLimitPartition.GetNoLimiter("anonymous");
            // One partition per key that borrows from the shared limiter, so batch images and requests share a budget.
            return RateLimitPartition.Get(keyId, id => new SharedPartition(keys().Limiter, id));
        });
        o.OnRejected = async (ctx, ct) =>
        {
            GatewayTelemetry.Refusals.Add(1, new KeyValuePair<string, object?>("reason", "rate-limit"));
            var wait = ctx.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter
                : TimeSpan.FromMinutes(1);
            await ProblemDetailsMapping.WriteAsync(ctx.HttpContext, StatusCodes.Status429TooManyRequests,
                "Too many requests",
                $"this key is limited to {gateway.RateLimitPerMinute} requests per minute",
                wait < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : wait);
        };
    }

    /// <summary>A <see cref="RateLimiter"/> view of one key's partition of the shared limiter.</summary>
    private sealed class SharedPartition(PartitionedRateLimiter<string> shared, string keyId) : RateLimiter
    {
        // the shared limiter owns the state; this view is never idle-collected
        public override TimeSpan? IdleDuration => null;
        public override RateLimiterStatistics? GetStatistics() => shared.GetStatistics(keyId);
        protected override RateLimitLease AttemptAcquireCore(int permitCount)
            => shared.AttemptAcquire(keyId, permitCount);
        protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken ct)
            => shared.AcquireAsync(keyId, permitCount, ct);
    }
}
