using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Reb.Silo;
using Reb.Silo.Tls;

namespace Reb.Cluster.Tests.TestSupport;

/// <summary>Real silo hosts configured exactly like Reb.Silo (SiloHostBuilder), and real Orleans clients.</summary>
public static class SiloHosts
{
    /// <summary>Localhost-clustering settings for one silo on free ports (primary = <paramref name="primarySiloPort"/>
    /// or itself).</summary>
    public static Dictionary<string, string?> Localhost(string clusterId, int? primarySiloPort = null)
    {
        var siloPort = LoopbackPorts.Next();
        return new()
        {
            ["Reb:Silo:Clustering"] = "localhost",
            ["Reb:Silo:ClusterId"] = clusterId,
            ["Reb:Silo:ServiceId"] = clusterId,
            ["Reb:Silo:SiloPort"] = siloPort.ToString(),
            ["Reb:Silo:PrimarySiloPort"] = (primarySiloPort ?? siloPort).ToString(),
            ["Reb:Silo:GatewayPort"] = LoopbackPorts.Next().ToString(),
            ["Reb:Silo:Reminders"] = "memory",
        };
    }

    /// <summary>Builds and starts a plain silo host (no HTTP) in the given environment ("Production" by
    /// default).</summary>
    public static async Task<IHost> StartSiloAsync(IDictionary<string, string?> settings,
        string environment = "Production")
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            EnvironmentName = environment
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.UseOrleans(silo => SiloHostBuilder.Configure(silo, builder.Configuration,
            builder.Environment.EnvironmentName));
        var host = builder.Build();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try { await host.StartAsync(cts.Token); }
        catch { host.Dispose(); throw; }
        return host;
    }

    /// <summary>An Orleans client on one gateway; <paramref name="configure"/> adds TLS (or not).</summary>
    public static async Task<IHost> StartClientAsync(int gatewayPort, string clusterId,
        Action<IClientBuilder>? configure = null, TimeSpan? timeout = null)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(c =>
        {
            c.UseStaticClustering(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, gatewayPort));
            c.Configure<ClusterOptions>(o => { o.ClusterId = clusterId; o.ServiceId = clusterId; });
            c.UseConnectionRetryFilter((_, _) => Task.FromResult(false));
            configure?.Invoke(c);
        });
        var host = builder.Build();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        try { await host.StartAsync(cts.Token); }
        catch { host.Dispose(); throw; }
        return host;
    }

    public static void UseClusterTls(IClientBuilder client, string pfx) =>
        OrleansTls.ConfigureClient(client, new OrleansTlsOptions
        {
            Mode = OrleansTlsOptions.Required,
            CertificatePath = pfx,
            CertificatePassword = TestCertificates.Password
        });

    public static IGrainFactory Grains(this IHost host) => host.Services.GetRequiredService<IGrainFactory>();

    public static async Task StopAsync(IHost? host)
    {
        if (host is null) return;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try { await host.StopAsync(cts.Token); } catch (Exception) { } finally { host.Dispose(); }
    }
}
