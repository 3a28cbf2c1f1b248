using System.Net;
using System.Net.Sockets;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Reb.Abstractions.Client;
using Reb.Abstractions.Grains;
using Reb.Cluster.Tests.TestSupport;
using Reb.Storage;
using Reb.Silo;
using Xunit.Abstractions;

namespace Reb.Cluster.Tests.Hosting;

/// <summary>
/// Reb.Silo's production providers, each against the real service infra/start-services.sh runs on loopback: two silo
/// hosts join one cluster through Azure Table (Azurite) or Redis membership, score an image exactly like the single
/// process, and the line's registry (Azure Blob or Redis grain storage) outlives both silos.
/// </summary>
[Collection(PcbModelCollection.Name)]
public sealed class ProductionProvidersTests(PcbModelFixture model, ITestOutputHelper output)
{
    /// <summary>Azurite's blob (10000) and table (10002) services with the public development account.</summary>
    private const string Azurite = "UseDevelopmentStorage=true";

    [Fact]
    public async Task Azure_table_clustering_with_azure_blob_grain_and_artefact_storage()
    {
        await RequireAsync(10000, "Azurite blob");
        await RequireAsync(10002, "Azurite table");
        var container = $"reb-prod-{Guid.NewGuid():N}"[..32];
        var settings = new Dictionary<string, string?>
        {
            ["Reb:Silo:Clustering"] = "azuretable",
            ["Reb:Silo:GrainStorage"] = "azureblob",
            ["Reb:Silo:Reminders"] = "azuretable",
            ["Reb:Silo:AzureStorageConnectionString"] = Azurite,
            ["Reb:ArtefactStore:Kind"] = "azureblob",
            ["Reb:ArtefactStore:ConnectionString"] = Azurite,
            ["Reb:ArtefactStore:Container"] = container,
        };
        try
        {
            await RunScenarioAsync(settings, async store => await store.PublishModelAsync(model.ModelDir));
        }
        finally
        {
            await new BlobContainerClient(Azurite, container).DeleteIfExistsAsync();
        }
    }

    [Fact]
    public async Task Redis_clustering_with_redis_grain_storage_and_reminders()
    {
        await RequireAsync(6379, "Redis");
        var settings = new Dictionary<string, string?>
        {
            ["Reb:Silo:Clustering"] = "redis",
            ["Reb:Silo:GrainStorage"] = "redis",
            ["Reb:Silo:Reminders"] = "redis",
            ["Reb:Silo:RedisConnectionString"] = "127.0.0.1:6379",
            ["Reb:ArtefactStore:Kind"] = "local",
            ["Reb:ArtefactStore:Root"] = model.ArtefactRoot,
        };
        await RunScenarioAsync(settings, _ => Task.FromResult(model.Version));
    }

    /// <summary>Two silos join, a version is registered and scored over 2 shards; then a third silo alone still knows
    /// the line.</summary>
    private async Task RunScenarioAsync(Dictionary<string, string?> settings,
        Func<IArtefactStore, Task<string>> publish)
    {
        // A fresh cluster and service id per run: membership rows and grain state of earlier runs are not ours.
        var id = Guid.NewGuid().ToString("N")[..12];
        settings["Reb:Silo:ClusterId"] = $"reb-test-{id}";
        settings["Reb:Silo:ServiceId"] = $"reb-test-{id}";
        // A fresh line too: Orleans' Azure Blob grain storage names state blobs by grain id, not by service id, so a
        // line of an earlier run would still hold its old current version.
        var line = $"pcb-prod-{id}";
        var reference = model.ReferenceScores()[0];
        var image = File.ReadAllBytes(model.TestImages[0]);

        string version;
        var a = await StartSiloAsync(settings);
        var b = await StartSiloAsync(settings);
        try
        {
            var grains = a.Services.GetRequiredService<IGrainFactory>();
            await WaitForActiveSilosAsync(grains, 2);
            version = await publish(a.Services.GetRequiredService<IArtefactStore>());
            var client = new RebClusterClient(grains);
            await grains.GetGrain<IProductLineGrain>(line).RegisterVersion(version);
            await grains.GetGrain<IProductLineGrain>(line).SetShards(2);
            var result = await client.ScoreAsync(line, image, "a.png");
            output.WriteLine($"score {result.Score} (single process {reference.Score}) with {result.Shards} shards");
            Assert.Equal(version, result.Version);
            Assert.True(Math.Abs(result.Score - reference.Score) <= 1e-4,
                $"cluster score {result.Score} != single-process {reference.Score}");
        }
        finally { await Task.WhenAll(StopAsync(b), StopAsync(a)); }

        // Both silos are gone: the registry must come back from the provider's storage, not from memory.
        var c = await StartSiloAsync(settings);
        try
        {
            var status = await c.Services.GetRequiredService<IGrainFactory>().GetGrain<IProductLineGrain>(line)
                .GetStatus();
            Assert.Equal(version, status.Current);
            Assert.Equal(2, status.Shards);
        }
        finally { await StopAsync(c); }
    }

    private static readonly Lazy<string> ClusterCertificate = new(() =>
        TestCertificates.WritePfx(TestCertificates.SelfSigned("reb-providers"),
            TestCertificates.TempFolder("providers-tls"), "cluster"));

    private static async Task<IHost> StartSiloAsync(Dictionary<string, string?> settings)
    {
        var config = new Dictionary<string, string?>(settings)
        {
            ["Reb:Silo:SiloPort"] = LoopbackPorts.Next().ToString(),
            ["Reb:Silo:GatewayPort"] = LoopbackPorts.Next().ToString(),
            // Shared clustering outside Development: Orleans TLS is on by default, so these silos talk over mutual TLS.
            ["Reb:Tls:CertificatePath"] = ClusterCertificate.Value,
            ["Reb:Tls:CertificatePassword"] = TestCertificates.Password,
        };
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(config);
        builder.UseOrleans(silo => SiloHostBuilder.Configure(silo, builder.Configuration));
        var host = builder.Build();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await host.StartAsync(cts.Token);
        return host;
    }

    private static async Task StopAsync(IHost host)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try { await host.StopAsync(cts.Token); } finally { host.Dispose(); }
    }

    private static async Task WaitForActiveSilosAsync(IGrainFactory grains, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
            if (hosts.Count >= count) return;
            Assert.True(DateTime.UtcNow < deadline, $"only {hosts.Count} of {count} silos joined within 60 s");
            await Task.Delay(200);
        }
    }

    private static async Task RequireAsync(int port, string service)
    {
        try
        {
            using var tcp = new TcpClient();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            await tcp.ConnectAsync(IPAddress.Loopback, port, cts.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            Assert.Fail(
                $"{service} does not answer on 127.0.0.1:{port}: run `bash infra/start-services.sh` first (CI does).");
        }
    }

}
