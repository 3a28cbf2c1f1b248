using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Reb.Abstractions.Client;
using Reb.Storage;
using Reb.Grains.Diagnostics;
using Reb.Grains.Hosting;
using Reb.Silo;
using Reb.Silo.Tls;

namespace Reb.Cli.Commands.Cluster;

/// <summary>
/// A running connection for one command: a cluster client on a gateway, or an embedded silo (the same host
/// configuration as Reb.Silo's dev defaults, on free loopback ports) that is stopped when the session ends.
/// </summary>
public sealed class ClusterSession : IAsyncDisposable
{
    private readonly IHost _host;

    private ClusterSession(IHost host, IArtefactStore store, string where)
    {
        _host = host;
        Store = store;
        Where = where;
        Grains = host.Services.GetRequiredService<IGrainFactory>();
        Client = new RebClusterClient(Grains);
    }

    public IGrainFactory Grains { get; }
    public RebClusterClient Client { get; }

    /// <summary>The artefact store training images are uploaded to (the one the silos use).</summary>
    public IArtefactStore Store { get; }

    /// <summary>"embedded silo" or "gateway host:port", for messages.</summary>
    public string Where { get; }

    /// <param name="persistRegistry">
    /// Keep line registries in "&lt;artefact folder&gt;/registry" (folder grain storage) so they outlive this command;
    /// false keeps them in memory for this session only (benchmarks).
    /// </param>
    /// <param name="overrides">Extra configuration keys (e.g. "Reb:Device").</param>
    public static async Task<ClusterSession> StartEmbeddedAsync(ArtefactStoreSettings store, CancellationToken ct,
        bool persistRegistry = true,
        IReadOnlyDictionary<string, string?>? overrides = null)
    {
        int siloPort = LoopbackPorts.Next(), gatewayPort = LoopbackPorts.Next();
        var settings = new Dictionary<string, string?>
        {
            ["Reb:Silo:Clustering"] = "localhost",
            ["Reb:Silo:ClusterId"] = "reb-embedded",
            ["Reb:Silo:SiloPort"] = siloPort.ToString(),
            ["Reb:Silo:PrimarySiloPort"] = siloPort.ToString(),
            ["Reb:Silo:GatewayPort"] = gatewayPort.ToString(),
            // The registry lives next to the local artefact folder, so `fit` then `score` in two commands see the same
            // line.
            ["Reb:Silo:GrainStorage"] = persistRegistry ? "folder" : "memory",
            ["Reb:Silo:GrainStorageFolder"] = persistRegistry ? Path.Combine(Path.GetFullPath(
                store.Kind == ArtefactStoreSettings.Local ? store.Root : "artefacts"), "registry") : null,
            ["Reb:ArtefactStore:Kind"] = store.Kind,
            ["Reb:ArtefactStore:Root"] = store.Root,
            ["Reb:ArtefactStore:ConnectionString"] = store.ConnectionString,
            ["Reb:ArtefactStore:Container"] = store.Container,
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>()) settings[key] = value;
        // No default sources and no logging providers: the command's own output is the interface.
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        // One process on loopback ports: plaintext (Reb:Tls:Mode "auto" with localhost clustering).
        builder.UseOrleans(silo => SiloHostBuilder.Configure(silo, builder.Configuration));
        var host = builder.Build();
        await host.StartAsync(ct);
        return new ClusterSession(host, host.Services.GetRequiredService<IArtefactStore>(), "embedded silo");
    }

    /// <param name="tls">client certificate and trust list for a cluster with Orleans TLS (null: plaintext).</param>
    public static async Task<ClusterSession> ConnectAsync(string gateway, string clusterId, string serviceId,
        ArtefactStoreSettings store, CancellationToken ct,
        OrleansTlsOptions? tls = null)
    {
        var endpoint = ParseEndpoint(gateway);
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(c =>
        {
            c.UseStaticClustering(endpoint);
            c.Configure<ClusterOptions>(o => { o.ClusterId = clusterId; o.ServiceId = serviceId; });
            c.AddOutgoingGrainCallFilter<MessageSizeCallFilter>();
            OrleansTls.ConfigureClient(c, tls);
            // Fail in seconds when nobody listens, not after the default long retry.
            c.UseConnectionRetryFilter((_, _) => Task.FromResult(false));
        });
        var host = builder.Build();
        try { await host.StartAsync(ct); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            host.Dispose();
            throw new ClusterCommandException($"cannot reach the cluster gateway {gateway} (cluster '{clusterId}'): " +
                $"{e.GetBaseException().Message}", e);
        }
        return new ClusterSession(host,
            ArtefactStoreFactory.Create(store, Reb.Grains.Models.ModelDirectoryFormat.Instance), $"gateway {gateway}");
    }

    private static IPEndPoint ParseEndpoint(string gateway)
    {
        var cut = gateway.LastIndexOf(':');
        if (cut <= 0 || !int.TryParse(gateway[(cut + 1)..], out var port) || port is < 1 or > 65535)
            throw new ArgumentException($"--gateway '{gateway}' must be host:port, e.g. localhost:30000");
        var host = gateway[..cut];
        var address = IPAddress.TryParse(host, out var ip) ? ip
            : Dns.GetHostAddresses(host).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
              ?? throw new ClusterCommandException($"--gateway '{gateway}': host '{host}' has no IPv4 address");
        return new IPEndPoint(address, port);
    }


    public async ValueTask DisposeAsync()
    {
        // stopping must not hide the command's result
        try { await _host.StopAsync(TimeSpan.FromSeconds(10)); } catch (Exception) { }
        _host.Dispose();
    }
}
