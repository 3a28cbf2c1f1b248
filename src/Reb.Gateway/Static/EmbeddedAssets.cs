using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.StaticFiles;

namespace Reb.Gateway.Static;

/// <summary>
/// Files compiled into the gateway assembly (csproj: wwwroot/** and Docs/** as EmbeddedResource with their relative
/// path as logical name), served from any working directory: /dashboard/** from wwwroot/dashboard, /docs from Docs.
/// </summary>
public static class EmbeddedAssets
{
    private static readonly Assembly Assembly = typeof(EmbeddedAssets).Assembly;
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();
    private static readonly HashSet<string> Names = new(Assembly.GetManifestResourceNames(), StringComparer.Ordinal);

    public static void Map(IEndpointRouteBuilder app)
    {
        // One route for "/dashboard" and "/dashboard/..." (routing ignores a trailing slash): the bare path redirects
        // so that the page's relative URLs resolve under /dashboard/.
        app.MapGet("/dashboard/{**path}", (string? path, HttpContext http) =>
                string.IsNullOrEmpty(path) && !http.Request.Path.Value!.EndsWith('/') ? Results.Redirect("/dashboard/")
                : Serve("wwwroot/dashboard/" +
                    (string.IsNullOrEmpty(path) || path.EndsWith('/') ? path + "index.html" : path)))
            .AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/docs", () => Serve("Docs/api-reference.html")).AllowAnonymous().ExcludeFromDescription();
    }

    /// <summary>True when the assembly carries the file (relative path with '/').</summary>
    public static bool Exists(string path) => Names.Contains(path);

    private static IResult Serve(string path)
    {
        if (path.Contains("..", StringComparison.Ordinal) || !Names.Contains(path)) return Results.NotFound();
        var stream = Assembly.GetManifestResourceStream(path)!;
        if (!ContentTypes.TryGetContentType(path, out var type)) type = "application/octet-stream";
        return Results.Stream(stream, type);
    }
}
