using Microsoft.AspNetCore.Http;
using Reb.Gateway.Errors;

namespace Reb.Gateway.Access;

/// <summary>
/// Runs before authentication: a client address over its failed-authentication limit gets 429 with Retry-After for
/// any request that presents a key (requests without a key are not authentication attempts and pass).
/// </summary>
public sealed class FailedAuthMiddleware(RequestDelegate next, FailedAuthLimiter limiter)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (ApiKeyAuthenticationHandler.PresentsKey(context.Request) && limiter.IsBlocked(context.Connection.RemoteIpAddress, out var wait))
        {
            GatewayTelemetry.Refusals.Add(1, new KeyValuePair<string, object?>("reason", "failed-auth-limit"));
            await ProblemDetailsMapping.WriteAsync(context, StatusCodes.Status429TooManyRequests, "Too many failed authentications",
                "too many requests with unknown or wrong keys came from this address; wait before trying again",
                wait < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : wait);
            return;
        }
        await next(context);
    }
}
