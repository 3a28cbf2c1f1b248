using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace Reb.Gateway.Telemetry;

/// <summary>
/// Adds the product line to ASP.NET Core's own request histogram (<c>http.server.request.duration</c>), so that the
/// platform's metric answers "how slow is line X" without a second histogram. Only lines that answered 2xx become a
/// label value: a client must not create series with made-up names.
/// </summary>
public sealed class LineMetricsTag(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext http)
    {
        await next(http);
        if (http.Response.StatusCode is >= 200 and < 300 && http.GetRouteValue("line") is string line
            && http.Features.Get<IHttpMetricsTagsFeature>() is { } tags)
            tags.Tags.Add(new KeyValuePair<string, object?>("line", line));
    }
}
