using Microsoft.Extensions.Hosting;
using Orleans.Runtime;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Reb.Cluster.Tests.TestSupport;

namespace Reb.Cluster.Tests.SiloHosting;

/// <summary>
/// Orleans TLS (Reb:Tls): two real silos and a real client over mutual TLS with a certificate made here; clients
/// without the cluster's certificate cannot connect. The exploit: without TLS any process reaching the gateway port
/// joined as a client and wrote an admin key for any site through <see cref="IApiKeyStoreGrain"/>.
/// </summary>
public sealed class OrleansTlsTests : IAsyncLifetime
{
    private readonly string _folder = TestCertificates.TempFolder("tls");
    private readonly string _clusterId = "tls-" + Guid.NewGuid().ToString("N")[..8];
    private string _pfx = "";
    private IHost? _primary, _secondary;
    private int _gatewayPort;

    public async Task InitializeAsync()
    {
        _pfx = TestCertificates.WritePfx(TestCertificates.SelfSigned("reb-cluster"), _folder, "cluster");
        var first = Settings(SiloHosts.Localhost(_clusterId));
        _gatewayPort = int.Parse(first["Reb:Silo:GatewayPort"]!);
        _primary = await SiloHosts.StartSiloAsync(first);
        _secondary = await SiloHosts.StartSiloAsync(
            Settings(SiloHosts.Localhost(_clusterId, int.Parse(first["Reb:Silo:SiloPort"]!))));
    }

    private Dictionary<string, string?> Settings(Dictionary<string, string?> s)
    {
        // Required explicitly: localhost clustering alone would leave "auto" plaintext (loopback only).
        s["Reb:Tls:Mode"] = "required";
        s["Reb:Tls:CertificatePath"] = _pfx;
        s["Reb:Tls:CertificatePassword"] = TestCertificates.Password;
        s["Reb:Silo:GrainStorage"] = "memory";
        return s;
    }

    [Fact]
    public async Task Two_silos_and_a_client_with_the_cluster_certificate_work_over_tls()
    {
        var client = await SiloHosts.StartClientAsync(_gatewayPort, _clusterId, c => SiloHosts.UseClusterTls(c, _pfx));
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while ((await client.Grains().GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Count < 2)
            {
                Assert.True(DateTime.UtcNow < deadline, "the second silo did not join over TLS within 60 s");
                await Task.Delay(250);
            }
            var store = client.Grains().GetGrain<IApiKeyStoreGrain>(IApiKeyStoreGrain.Key);
            await store.Put(KeyRecord("trusted"));
            Assert.NotNull(await store.Find("trusted"));
        }
        finally { await SiloHosts.StopAsync(client); }
    }

    public static TheoryData<string> Attackers
        => new() { "plaintext", "tls-without-certificate", "tls-with-own-certificate" };

    [Theory]
    [MemberData(nameof(Attackers))]
    public async Task A_client_without_the_cluster_certificate_cannot_connect_nor_write_an_admin_key(string attacker)
    {
        var own = TestCertificates.SelfSigned("attacker");
        Action<IClientBuilder>? tls = attacker switch
        {
            "plaintext" => null,
            // Accepts any silo certificate itself: only the silo's check of the client can stop it.
            "tls-without-certificate" => c => c.UseTls(o => o.AllowAnyRemoteCertificate()),
            _ => c => c.UseTls(own, o => o.AllowAnyRemoteCertificate()),
        };
        IHost? client = null;
        var started = DateTime.UtcNow;
        try
        {
            var error = await Record.ExceptionAsync(async () =>
            {
                client = await SiloHosts.StartClientAsync(_gatewayPort, _clusterId, tls, TimeSpan.FromSeconds(45));
                // Should it have connected, this is the exploit: an admin key for another site.
                await client.Grains().GetGrain<IApiKeyStoreGrain>(IApiKeyStoreGrain.Key)
                    .Put(KeyRecord("attacker-" + attacker));
            });
            Assert.True(error is not null, $"{attacker}: the client connected and wrote an admin key");
            Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(50),
                $"{attacker}: refusal took {(DateTime.UtcNow - started).TotalSeconds:F0} s");
        }
        finally { await SiloHosts.StopAsync(client); }

        // The trusted client sees no attacker record.
        var trusted = await SiloHosts.StartClientAsync(_gatewayPort, _clusterId, c => SiloHosts.UseClusterTls(c, _pfx));
        try { Assert.Null(await trusted.Grains().GetGrain<IApiKeyStoreGrain>(IApiKeyStoreGrain.Key)
            .Find("attacker-" + attacker)); }
        finally { await SiloHosts.StopAsync(trusted); }
    }

    private static ApiKeyRecord KeyRecord(string id) =>
        new(id, id, "site-a", "admin", new byte[16], new byte[32], DateTimeOffset.UtcNow, "test");

    public async Task DisposeAsync()
    {
        await SiloHosts.StopAsync(_secondary);
        await SiloHosts.StopAsync(_primary);
        try { Directory.Delete(_folder, true); } catch (IOException) { }
    }
}
