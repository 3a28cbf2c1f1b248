using System.Reflection;

namespace Reb.Gateway.Tests.Browser;

/// <summary>
/// The dashboard files as the gateway ships them (embedded in Reb.Gateway as wwwroot/dashboard/...), so the fast
/// browser checks test the shipped bytes without starting a silo.
/// </summary>
public static class DashboardAssets
{
    private static readonly Assembly Gateway = typeof(GatewayAssembly).Assembly;

    /// <summary>Bytes of wwwroot/dashboard/<paramref name="relativePath"/>, or null when the gateway does not ship
    /// it.</summary>
    public static byte[]? Read(string relativePath)
    {
        using var stream = Gateway.GetManifestResourceStream("wwwroot/dashboard/" + relativePath);
        if (stream is null) return null;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>Content type by extension (module scripts must be served as JavaScript).</summary>
    public static string ContentType(string path) => Path.GetExtension(path) switch
    {
        ".js" => "text/javascript",
        ".css" => "text/css",
        ".html" => "text/html",
        _ => "application/octet-stream",
    };
}
