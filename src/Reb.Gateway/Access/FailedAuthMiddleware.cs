using Microsoft.AspNetCore.Http;
using Reb.Gateway.Errors;

namespace Reb.Gateway.Access;

/// <summary>
/// Runs before authentication: a client over its failed-authentication limit for the key id it presents gets 429 with
/// Retry-After (requests without a key are not authentication attempts and pass; see <see cref="FailedAuthLimiter"/>).
/// </summary>
public sealed class FailedAuthMiddleware(RequestDelegate next, FailedAuthLimiter limiter)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (ApiKeyAuthenticationHandler.PresentsKey(context.Request) && limiter.IsBlocked(context, out var wait))
        {
            GatewayTelemetry.Refusals.Add(1, new KeyValuePair<string, object?>("reason", "failed-auth-limit"));
            await ProblemDetailsMapping.WriteAsync(context, StatusCodes.Status429TooManyRequests,
                "Too many failed authentications",
                "too many requests with this unknown or wrong key came from this client; wait before trying again",
                wait < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : wait);
            return;
        }
        await next(context);
    }
}
