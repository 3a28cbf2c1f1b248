using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Reb.Gateway.Telemetry;

/// <summary>
/// Records the end-to-end duration of every API request (<see cref="GatewayTelemetry.RequestDuration"/>), tagged by
/// route template, method, status and line. ASP.NET Core's own http.server.request.duration has no line; this one does.
/// </summary>
public sealed class RequestDurationMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext http)
    {
        if (!http.Request.Path.StartsWithSegments("/api"))
        {
            await next(http);
            return;
        }
        long start = Stopwatch.GetTimestamp();
        try { await next(http); }
        finally
        {
            int status = http.Response.StatusCode;
            var route = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
            // Only lines that answered 2xx become a label value: a client must not create series with made-up names.
            var line = status is >= 200 and < 300 && http.GetRouteValue("line") is string l ? l : "";
            GatewayTelemetry.RequestDuration.Record(Stopwatch.GetElapsedTime(start).TotalMilliseconds,
                new KeyValuePair<string, object?>("route", route), new KeyValuePair<string, object?>("method", http.Request.Method),
                new KeyValuePair<string, object?>("status", status), new KeyValuePair<string, object?>("line", line));
        }
    }
}
