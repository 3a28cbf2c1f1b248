using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Reb.Silo;

namespace Reb.Cluster.Tests.TestSupport;

/// <summary>The silo process's host (SiloWebApp: silo + HTTP gateway), built in-process with test settings.</summary>
public static class WebSilos
{
    public static Dictionary<string, string?> Settings(string work)
    {
        var s = SiloHosts.Localhost("web-" + Guid.NewGuid().ToString("N")[..8]);
        s["Reb:Silo:GrainStorage"] = "memory";
        s["Reb:ArtefactStore:Kind"] = "local";
        s["Reb:ArtefactStore:Root"] = Path.Combine(work, "artefacts");
        s["Reb:CacheRoot"] = Path.Combine(work, "cache");
        s["Reb:Gateway:Enabled"] = "true";
        // The cluster's one key-record signing secret (the same on every silo of these settings).
        s["Reb:Gateway:KeyRecordSigningKey"] = Convert.ToHexStringLower(
            System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        s["Logging:LogLevel:Default"] = "Warning";
        return s;
    }

    public static IHost Build(IDictionary<string, string?> settings) => SiloWebApp.Build([], b =>
    {
        b.Configuration.AddInMemoryCollection(settings);
        b.Logging.ClearProviders();
    });

    public static IReadOnlyList<string> Addresses(IHost host) =>
        host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.ToList();
}
