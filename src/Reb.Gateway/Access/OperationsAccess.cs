using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;

namespace Reb.Gateway.Access;

/// <summary>
/// Access to the cluster-wide operations surfaces, which show every site's lines and grain state: the Orleans
/// Dashboard needs an admin key of <see cref="GatewayOptions.OperationsSite"/>; /metrics takes that too, or the scrape
/// token <see cref="GatewayOptions.MetricsToken"/> as "Authorization: Bearer &lt;token&gt;" (Prometheus has no API
/// key). A key of any plant site, whatever its role, gets 403.
/// </summary>
public static class OperationsAccess
{
    public const string Operations = "operations";
    public const string MetricsScrape = "metrics-scrape";

    public static void AddPolicies(AuthorizationOptions o, GatewayOptions gateway)
    {
        o.AddPolicy(Operations,
            p => p.RequireAuthenticatedUser().RequireAssertion(ctx => IsOperationsAdmin(ctx, gateway)));
        o.AddPolicy(MetricsScrape, p => p.RequireAssertion(ctx =>
            IsOperationsAdmin(ctx, gateway)
            || (ctx.Resource is HttpContext http && HasScrapeToken(http, gateway.MetricsToken))));
    }

    private static bool IsOperationsAdmin(AuthorizationHandlerContext ctx, GatewayOptions gateway) =>
        ctx.User.FindFirst(Caller.SiteClaim)?.Value == gateway.OperationsSite &&
        ctx.User.FindFirst(System.Security.Claims.ClaimTypes.Role)?.Value == Roles.Admin;

    /// <summary>Constant-time comparison of the bearer token with the configured one; false when none is
    /// configured.</summary>
    public static bool HasScrapeToken(HttpContext http, string? token)
    {
        if (string.IsNullOrEmpty(token)) return false;
        var auth = http.Request.Headers.Authorization.ToString();
        if (!auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return false;
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(auth["Bearer ".Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(presented, SHA256.HashData(Encoding.UTF8.GetBytes(token)));
    }
}
