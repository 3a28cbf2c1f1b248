using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Reb.Abstractions.Grains;
using Reb.Gateway.Access;
using Reb.Silo;

namespace Reb.Gateway.Tests.TestSupport;

/// <summary>
/// A silo + HTTP gateway (<see cref="SiloWebApp.Build"/>) whose registry grain storage is durable (the folder provider,
/// or whatever <see cref="Start"/>'s extra settings choose) and wrapped by <see cref="FaultyGrainStorage"/>, so that a
/// test can fail a state write, stop the silo and start a new one on the same storage. No model, no lines: for the
/// tests of keys, ownership and registry state.
/// </summary>
public sealed class DurableGateway : IAsyncDisposable
{
    private readonly IHost _host;

    public FaultyGrainStorage Faults { get; }
    public string BaseUrl { get; }
    public IServiceProvider Services => _host.Services;
    public IGrainFactory Grains => Services.GetRequiredService<IGrainFactory>();

    private DurableGateway(IHost host, FaultyGrainStorage faults, string baseUrl)
    {
        _host = host;
        Faults = faults;
        BaseUrl = baseUrl;
    }

    /// <summary>A new random bootstrap admin key (site "default").</summary>
    public static string NewAdminKey() => ApiKeyFormat.Generate().Key;

    /// <summary>A new random key-record signing secret.</summary>
    public static string NewSigningKey() =>
        Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    /// <summary>Settings of one silo on free ports with folder grain storage in <paramref name="work"/>.</summary>
    public static Dictionary<string, string?> Settings(string work, string adminKey)
    {
        int siloPort = LoopbackPorts.Next();
        var clusterId = "durable-" + Guid.NewGuid().ToString("N")[..8];
        return new()
        {
            ["Reb:ArtefactStore:Kind"] = "local",
            ["Reb:ArtefactStore:Root"] = Path.Combine(work, "store"),
            ["Reb:CacheRoot"] = Path.Combine(work, "cache"),
            ["Reb:Silo:Clustering"] = "localhost",
            ["Reb:Silo:GrainStorage"] = "folder",
            ["Reb:Silo:GrainStorageFolder"] = Path.Combine(work, "grain-state"),
            ["Reb:Silo:Reminders"] = "memory",
            ["Reb:Silo:ClusterId"] = clusterId,
            ["Reb:Silo:ServiceId"] = "durable-tests",
            ["Reb:Silo:SiloPort"] = siloPort.ToString(),
            ["Reb:Silo:PrimarySiloPort"] = siloPort.ToString(),
            ["Reb:Silo:GatewayPort"] = LoopbackPorts.Next().ToString(),
            ["Reb:Gateway:Enabled"] = "true",
            ["Reb:Gateway:HttpPort"] = "0",
            ["Reb:Gateway:BootstrapAdminKey"] = adminKey,
            ["Reb:Gateway:KeyRecordSigningKey"] = NewSigningKey(),
            ["Logging:LogLevel:Default"] = "Warning",
        };
    }

    /// <summary>Builds and starts the host; <paramref name="settings"/> from <see cref="Settings"/> (changed as
    /// needed).</summary>
    /// <param name="configure">adds services (e.g. a grain call filter) before the host is built.</param>
    public static async Task<DurableGateway> Start(IDictionary<string, string?> settings,
        Action<IHostApplicationBuilder>? configure = null)
    {
        var faults = new FaultyGrainStorage();
        var host = SiloWebApp.Build([], b =>
        {
            b.Configuration.AddInMemoryCollection(settings);
            b.Logging.ClearProviders();
            faults.Install(b, StorageNames.Registry);
            configure?.Invoke(b);
        });
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try { await host.StartAsync(cts.Token); }
        catch { host.Dispose(); throw; }
        var address = host.Services.GetRequiredService<IServer>()
            .Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(address.Replace("[::]", "localhost").Replace("0.0.0.0", "localhost")).Port;
        return new DurableGateway(host, faults, $"http://127.0.0.1:{port}");
    }

    public HttpClient Client(string? key)
    {
        var client = new HttpClient { BaseAddress = new Uri(BaseUrl + "/"), Timeout = TimeSpan.FromSeconds(60) };
        if (key is not null) client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    /// <summary>A client whose connections come from <paramref name="source"/> (another loopback address, e.g.
    /// 127.0.0.3).</summary>
    public HttpClient ClientFrom(System.Net.IPAddress source)
    {
        var handler = new System.Net.Http.SocketsHttpHandler
        {
            ConnectCallback = async (ctx, ct) =>
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork,
                    System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                try
                {
                    socket.Bind(new System.Net.IPEndPoint(source, 0));
                    await socket.ConnectAsync(ctx.DnsEndPoint.Host, ctx.DnsEndPoint.Port, ct);
                    return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
                }
                catch { socket.Dispose(); throw; }
            },
        };
        return new HttpClient(handler) { BaseAddress = new Uri(BaseUrl + "/"), Timeout = TimeSpan.FromSeconds(60) };
    }

    public async ValueTask DisposeAsync()
    {
        try { await _host.StopAsync(TimeSpan.FromSeconds(15)); } catch (Exception) { /* a test may have broken it */ }
        _host.Dispose();
    }
}
