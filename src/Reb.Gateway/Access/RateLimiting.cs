using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Reb.Gateway.Errors;

namespace Reb.Gateway.Access;

/// <summary>Per-key fixed-window limit (runs after authentication); requests without a key are not limited here.</summary>
public static class RateLimiting
{
    public static void Configure(RateLimiterOptions o, GatewayOptions gateway)
    {
        o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(ctx =>
        {
            var keyId = ctx.User.FindFirst(Caller.KeyIdClaim)?.Value;
            if (keyId is null) return RateLimitPartition.GetNoLimiter("anonymous");
            return RateLimitPartition.GetFixedWindowLimiter(keyId, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = Math.Max(1, gateway.RateLimitPerMinute),
                Window = TimeSpan.FromMinutes(1),
                QueueLimit = 0,
            });
        });
        o.OnRejected = async (ctx, ct) =>
        {
            GatewayTelemetry.Refusals.Add(1, new KeyValuePair<string, object?>("reason", "rate-limit"));
            var wait = ctx.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromMinutes(1);
            await ProblemDetailsMapping.WriteAsync(ctx.HttpContext, StatusCodes.Status429TooManyRequests, "Too many requests",
                $"this key is limited to {gateway.RateLimitPerMinute} requests per minute", wait < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : wait);
        };
    }
}
