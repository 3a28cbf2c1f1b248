using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Reb.Silo;

namespace Reb.Cluster.Tests.SiloHosting;

// Lives in the cluster tests, not beside the gateway's: a second silo host in one process takes Orleans' own meters
// with it when it is disposed (they are process-wide), which would empty the gateway fixture's /metrics of them.
/// <summary>
/// Failure: readiness depended on the shared artefact store, so a store outage took every pod out of the Service at
/// once. A silo whose store is unreachable must stay ready (its cached models still score) and say so elsewhere.
/// </summary>
public sealed class ReadinessTests
{
    [Fact]
    public async Task A_silo_whose_artefact_store_is_down_stays_ready_and_reports_the_store_separately()
    {
        // nothing listens on deadPort
        int siloPort = LoopbackPorts.Next(), gatewayPort = LoopbackPorts.Next(), deadPort = LoopbackPorts.Next();
        var work = Directory.CreateTempSubdirectory("reb-readiness-").FullName;
        var settings = new Dictionary<string, string?>
        {
            ["Reb:ArtefactStore:Kind"] = "azureblob",
            ["Reb:ArtefactStore:ConnectionString"] =
                "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" +
                    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
                    $"BlobEndpoint=http://127.0.0.1:{deadPort}/devstoreaccount1;",
            ["Reb:CacheRoot"] = Path.Combine(work, "cache"),
            ["Reb:Silo:Clustering"] = "localhost",
            ["Reb:Silo:GrainStorage"] = "memory",
            ["Reb:Silo:Reminders"] = "memory",
            ["Reb:Silo:ClusterId"] = "readiness-" + Guid.NewGuid().ToString("N")[..8],
            ["Reb:Silo:SiloPort"] = siloPort.ToString(),
            ["Reb:Silo:PrimarySiloPort"] = siloPort.ToString(),
            ["Reb:Silo:GatewayPort"] = gatewayPort.ToString(),
            ["Reb:Gateway:HttpPort"] = "0",
            ["Reb:Telemetry:OrleansDashboard"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        using var host =
            SiloWebApp.Build([], b => { b.Configuration.AddInMemoryCollection(settings); b.Logging.ClearProviders(); });
        await host.StartAsync();
        try
        {
            var address = host.Services.GetRequiredService<IServer>()
                .Features.Get<IServerAddressesFeature>()!.Addresses.First();
            using var client = new HttpClient
            {
                BaseAddress = new Uri("http://127.0.0.1:" +
                    $"{new Uri(address.Replace("[::]", "localhost").Replace("0.0.0.0", "localhost")).Port}/"),
                Timeout = TimeSpan.FromSeconds(60)
            };
            using var ready = await client.GetAsync("readyz");
            Assert.True(ready.StatusCode == HttpStatusCode.OK,
                $"readyz {(int)ready.StatusCode}: {await ready.Content.ReadAsStringAsync()}");
            using var store = await client.GetAsync("healthz/store");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, store.StatusCode);
        }
        finally
        {
            try { await host.StopAsync(TimeSpan.FromSeconds(10)); } catch (Exception) { }
            try { Directory.Delete(work, true); } catch (IOException) { }
        }
    }

}
