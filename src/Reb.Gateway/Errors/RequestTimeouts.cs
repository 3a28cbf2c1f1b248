using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.Extensions.DependencyInjection;

namespace Reb.Gateway.Errors;

/// <summary>
/// Time limits of API requests (ASP.NET Core request timeouts): <see cref="GatewayOptions.InspectTimeoutSeconds"/> for
/// inspections, <see cref="GatewayOptions.RequestTimeoutSeconds"/> for everything else; event streams opt out (they
/// have their own lifetime). A request over its limit is cancelled and answered 504 as problem details.
/// </summary>
public static class RequestTimeouts
{
    public const string Inspect = "inspect";

    public static IServiceCollection AddRebRequestTimeouts(this IServiceCollection services, GatewayOptions gateway) =>
        services.AddRequestTimeouts(o =>
        {
            o.DefaultPolicy = Policy(gateway.RequestTimeoutSeconds);
            o.AddPolicy(Inspect, Policy(gateway.InspectTimeoutSeconds));
        });

    private static RequestTimeoutPolicy Policy(int seconds) => new()
    {
        Timeout = TimeSpan.FromSeconds(Math.Max(1, seconds)),
        TimeoutStatusCode = StatusCodes.Status504GatewayTimeout,
        WriteTimeoutResponse = context
        => ProblemDetailsMapping.WriteAsync(context, StatusCodes.Status504GatewayTimeout, "Request timed out",
            $"the request took longer than the gateway's limit of {Math.Max(1, seconds)} s", null,
            CancellationToken.None), // the request's own token is the one that just fired
    };
}
