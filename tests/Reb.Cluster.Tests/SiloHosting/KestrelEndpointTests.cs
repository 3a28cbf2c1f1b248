using Reb.Silo;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Reb.Cluster.Tests.TestSupport;

namespace Reb.Cluster.Tests.SiloHosting;

/// <summary>
/// The HTTP gateway listens where Kestrel's configuration says (Kestrel:Endpoints, ASPNETCORE_URLS): an HTTPS endpoint
/// with a certificate made here serves /healthz, and Reb:Gateway:HttpPort is then not opened. Before, ListenAnyIP on
/// HttpPort overrode all Kestrel configuration, so TLS could not be configured.
/// </summary>
public sealed class KestrelEndpointTests : IDisposable
{
    private readonly string _work = TestCertificates.TempFolder("https");

    [Fact]
    public async Task Https_endpoint_from_kestrel_configuration_serves_health_with_the_configured_certificate()
    {
        var certificate = TestCertificates.SelfSigned("reb-http");
        var pfx = TestCertificates.WritePfx(certificate, _work, "http");
        int httpsPort = LoopbackPorts.Next(), unusedHttpPort = LoopbackPorts.Next();
        var settings = WebSilos.Settings(_work);
        settings["Kestrel:Endpoints:Https:Url"] = $"https://127.0.0.1:{httpsPort}";
        settings["Kestrel:Endpoints:Https:Certificate:Path"] = pfx;
        settings["Kestrel:Endpoints:Https:Certificate:Password"] = TestCertificates.Password;
        settings["Reb:Gateway:HttpPort"] = unusedHttpPort.ToString();
        using var host = WebSilos.Build(settings);
        await host.StartAsync();
        try
        {
            Assert.Equal([$"https://127.0.0.1:{httpsPort}"], WebSilos.Addresses(host));
            X509Certificate2? seen = null;
            using var handler = new HttpClientHandler
            {
                // Trust exactly the certificate made above (it is self-signed), and record what the server showed.
                ServerCertificateCustomValidationCallback = (_, cert, _, _)
                    => { seen = cert is null ? null : X509CertificateLoader.LoadCertificate(cert.RawData);
                    return cert?.Thumbprint == certificate.Thumbprint; },
            };
            using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
            var response = await http.GetAsync($"https://127.0.0.1:{httpsPort}/healthz");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(certificate.Thumbprint, seen?.Thumbprint);
            // HttpPort was not opened: Kestrel's configuration replaced the simple default.
            using var client = new TcpClient();
            await Assert.ThrowsAnyAsync<SocketException>(() => client.ConnectAsync(IPAddress.Loopback, unusedHttpPort));
        }
        finally { await host.StopAsync(); }
    }

    [Fact]
    public async Task Without_kestrel_configuration_the_gateway_listens_on_reb_gateway_http_port()
    {
        var port = LoopbackPorts.Next();
        var settings = WebSilos.Settings(_work);
        settings["Reb:Gateway:HttpPort"] = port.ToString();
        using var host = WebSilos.Build(settings);
        await host.StartAsync();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{port}/healthz")).StatusCode);
        }
        finally { await host.StopAsync(); }
    }

    [Fact]
    public async Task Aspnetcore_urls_decides_where_the_gateway_listens()
    {
        // ASPNETCORE_URLS and --urls both arrive as the "urls" configuration key.
        int urlsPort = LoopbackPorts.Next(), unusedHttpPort = LoopbackPorts.Next();
        var settings = WebSilos.Settings(_work);
        settings["urls"] = $"http://127.0.0.1:{urlsPort}";
        settings["Reb:Gateway:HttpPort"] = unusedHttpPort.ToString();
        using var host = WebSilos.Build(settings);
        await host.StartAsync();
        try
        {
            Assert.Equal([$"http://127.0.0.1:{urlsPort}"], WebSilos.Addresses(host));
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{urlsPort}/healthz")).StatusCode);
        }
        finally { await host.StopAsync(); }
    }

    public void Dispose()
    {
        try { Directory.Delete(_work, true); } catch (IOException) { }
    }
}
