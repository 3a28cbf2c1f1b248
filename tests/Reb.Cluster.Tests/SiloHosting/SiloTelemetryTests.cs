using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Reb.Abstractions.Grains;
using Reb.Silo;

namespace Reb.Cluster.Tests.SiloHosting;

/// <summary>
/// Failure: the silo's telemetry was registered by the gateway, so a silo run without the HTTP gateway (a scoring-only
/// GPU silo) exported no metrics at all. The silo host registers its own meters now.
/// </summary>
public sealed class SiloTelemetryTests
{
    [Fact]
    public async Task A_silo_without_the_gateway_still_collects_the_Orleans_and_runtime_meters()
    {
        int siloPort = LoopbackPorts.Next(), gatewayPort = LoopbackPorts.Next();
        var work = Directory.CreateTempSubdirectory("reb-silo-telemetry-").FullName;
        var settings = new Dictionary<string, string?>
        {
            ["Reb:Gateway:Enabled"] = "false",
            ["Reb:ArtefactStore:Kind"] = "local",
            ["Reb:ArtefactStore:Root"] = Path.Combine(work, "artefacts"),
            ["Reb:CacheRoot"] = Path.Combine(work, "cache"),
            ["Reb:Silo:Clustering"] = "localhost",
            ["Reb:Silo:GrainStorage"] = "memory",
            ["Reb:Silo:Reminders"] = "memory",
            ["Reb:Silo:ClusterId"] = "telemetry-" + Guid.NewGuid().ToString("N")[..8],
            ["Reb:Silo:SiloPort"] = siloPort.ToString(),
            ["Reb:Silo:PrimarySiloPort"] = siloPort.ToString(),
            ["Reb:Silo:GatewayPort"] = gatewayPort.ToString(),
            ["Logging:LogLevel:Default"] = "Warning",
        };
        var exported = new List<Metric>();
        using var host = SiloWebApp.Build([], b =>
        {
            b.Configuration.AddInMemoryCollection(settings);
            b.Logging.ClearProviders();
            b.Services.ConfigureOpenTelemetryMeterProvider(m => m.AddInMemoryExporter(exported));
        });
        await host.StartAsync();
        try
        {
            var provider = host.Services.GetService<MeterProvider>();
            Assert.NotNull(provider); // before: no meter provider in a silo without the gateway
            // A grain call, so the runtime has messages and an activation to count.
            await host.Services.GetRequiredService<IGrainFactory>().GetGrain<ILineDirectoryGrain>("telemetry-site")
                .List();
            Assert.True(provider!.ForceFlush(10_000));
            var names = exported.Select(m => m.Name).Distinct().ToList();
            Assert.Contains(names, n => n.StartsWith("orleans", StringComparison.Ordinal));
            Assert.Contains(names, n => n.Contains("dotnet", StringComparison.Ordinal)
                || n.StartsWith("process.runtime", StringComparison.Ordinal));
        }
        finally
        {
            try { await host.StopAsync(TimeSpan.FromSeconds(10)); } catch (Exception) { }
            try { Directory.Delete(work, true); } catch (IOException) { }
        }
    }
}
