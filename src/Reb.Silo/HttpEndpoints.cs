using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;

namespace Reb.Silo;

/// <summary>
/// Where the HTTP gateway listens. Kestrel's own configuration wins: "Kestrel:Endpoints" (URLs, HTTPS certificates,
/// protocols) or ASPNETCORE_URLS / --urls / ASPNETCORE_HTTP(S)_PORTS. Only when none is given does the gateway listen
/// on
/// every interface at "Reb:Gateway:HttpPort" (plain HTTP, the simple default). Calling ListenAnyIP unconditionally, as
/// before, made Kestrel ignore all of those, so TLS could not be configured.
/// </summary>
public static class HttpEndpoints
{
    public static bool KestrelIsConfigured(IConfiguration configuration) =>
        configuration.GetSection("Kestrel:Endpoints").GetChildren().Any()
        || new[] { "urls", "http_ports", "https_ports" }.Any(k => !string.IsNullOrWhiteSpace(configuration[k]));

    public static void Configure(IWebHostBuilder web, IConfiguration configuration, int httpPort)
    {
        if (KestrelIsConfigured(configuration)) return;
        web.ConfigureKestrel(k => k.ListenAnyIP(httpPort));
    }
}
