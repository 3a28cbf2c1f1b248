using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Runtime.Hosting;
using Orleans.Configuration;
using Reb.Abstractions.Grains;
using Reb.Grains;
using Reb.Grains.Hosting;
using Reb.Silo.Tls;

namespace Reb.Silo;

/// <summary>Configures a silo from configuration: dev defaults, or the production providers it names.</summary>
public static class SiloHostBuilder
{
    /// <param name="environmentName">the host's environment; outside Development Orleans TLS is on by default (<see
    /// cref="OrleansTlsOptions.Mode"/>).</param>
    public static void Configure(ISiloBuilder silo, IConfiguration configuration, string? environmentName = null)
    {
        var o = configuration.GetSection(SiloHostOptions.Section).Get<SiloHostOptions>() ?? new SiloHostOptions();
        silo.Configure<ClusterOptions>(c => { c.ClusterId = o.ClusterId; c.ServiceId = o.ServiceId; });
        ConfigureClustering(silo, o);
        // Fast dead-silo detection (see SiloHostOptions.ProbeTimeoutSeconds): grain calls waiting on a killed silo are
        // released when it is declared dead, and its grains re-activate elsewhere.
        silo.Configure<ClusterMembershipOptions>(m =>
        {
            m.ProbeTimeout = TimeSpan.FromSeconds(Math.Max(0.5, o.ProbeTimeoutSeconds));
            m.NumMissedProbesLimit = Math.Max(1, o.MissedProbesLimit);
        });
        // Before any provider: a silo that must use TLS and has no certificate stops here, with the setting to fix.
        var tls = OrleansTls.Read(configuration);
        if (OrleansTls.IsRequired(tls, environmentName ?? Environments.Production, o.Clustering))
            OrleansTls.ConfigureSilo(silo, tls);
        ConfigureStorage(silo, o);
        ConfigureReminders(silo, o);
        silo.AddRebGrains(configuration);
    }

    private static void ConfigureClustering(ISiloBuilder silo, SiloHostOptions o)
    {
        switch (o.Clustering.ToLowerInvariant())
        {
            case "localhost":
                silo.UseLocalhostClustering(o.SiloPort, o.GatewayPort,
                    new IPEndPoint(IPAddress.Loopback, o.PrimarySiloPort), o.ServiceId, o.ClusterId);
                break;
            case "azuretable":
                silo.UseAzureStorageClustering(t => t.TableServiceClient = new Azure.Data.Tables.TableServiceClient(
                    Need(o.AzureStorageConnectionString, "AzureStorageConnectionString")));
                ConfigureEndpoints(silo, o);
                break;
            case "redis":
                silo.UseRedisClustering(Need(o.RedisConnectionString, "RedisConnectionString"));
                ConfigureEndpoints(silo, o);
                break;
            case "adonet":
                UseAdoNetClustering(silo, Need(o.AdoNetConnectionString, "AdoNetConnectionString"));
                ConfigureEndpoints(silo, o);
                break;
            default:
                throw new ArgumentException(
                    $"Reb:Silo:Clustering must be localhost, azuretable, redis or adonet, got '{o.Clustering}'");
        }
    }

    /// <summary>
    /// Loopback on one machine; in a pod the silo must advertise an address the other silos, clients and probes can
    /// reach (the pod IP, from the downward API), and then listen on every interface.
    /// </summary>
    private static void ConfigureEndpoints(ISiloBuilder silo, SiloHostOptions o)
    {
        var ip = string.IsNullOrWhiteSpace(o.AdvertisedIPAddress) ? IPAddress.Loopback
            : IPAddress.TryParse(o.AdvertisedIPAddress, out var parsed) ? parsed
            : throw new ArgumentException(
                $"Reb:Silo:AdvertisedIPAddress '{o.AdvertisedIPAddress}' is not an IP address");
        silo.ConfigureEndpoints(ip, o.SiloPort, o.GatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(ip));
    }

    private static void ConfigureStorage(ISiloBuilder silo, SiloHostOptions o)
    {
        switch (o.GrainStorage.ToLowerInvariant())
        {
            case "memory":
                silo.AddMemoryGrainStorage(StorageNames.Registry);
                break;
            case "folder":
                AddFolderGrainStorage(silo, o.ResolvedGrainStorageFolder);
                break;
            case "azureblob":
                var blob = Need(o.AzureStorageConnectionString, "AzureStorageConnectionString");
                silo.AddAzureBlobGrainStorage(StorageNames.Registry,
                    ob => ob.Configure<Orleans.Serialization.Serializer>((b, s) =>
                {
                    b.BlobServiceClient = new Azure.Storage.Blobs.BlobServiceClient(blob);
                    b.GrainStorageSerializer = new GrainStateSerializer(s); // no type names from the store
                }));
                break;
            case "redis":
                var redis = Need(o.RedisConnectionString, "RedisConnectionString");
                silo.AddRedisGrainStorage(StorageNames.Registry,
                    ob => ob.Configure<Orleans.Serialization.Serializer>((r, s) =>
                {
                    r.ConfigurationOptions = StackExchange.Redis.ConfigurationOptions.Parse(redis);
                    r.GrainStorageSerializer = new GrainStateSerializer(s); // no type names from the store
                }));
                break;
            case "adonet":
                AddAdoNetGrainStorage(silo, Need(o.AdoNetConnectionString, "AdoNetConnectionString"));
                break;
            default:
                throw new ArgumentException("Reb:Silo:GrainStorage must be memory, folder, azureblob, redis or " +
                    $"adonet, got '{o.GrainStorage}'");
        }
    }

    /// <summary>Membership in PostgreSQL through Orleans' ADO.NET clustering (schema applied at start-up, see <see
    /// cref="AdoNet.AdoNetSchema"/>). Endpoints are the caller's.</summary>
    public static void UseAdoNetClustering(ISiloBuilder silo, string connectionString)
    {
        AddAdoNetSchema(silo, connectionString);
        silo.UseAdoNetClustering(a
            => { a.Invariant = AdoNet.AdoNetSchema.Invariant; a.ConnectionString = connectionString; });
    }

    /// <summary>
    /// The registry's grain storage in PostgreSQL through Orleans' ADO.NET provider: every write carries the ETag it
    /// was based on and the database refuses a stale one (InconsistentStateException), so silos sharing it never lose
    /// each other's writes. Payloads are <see cref="GrainStateSerializer"/>'s, as in the other stores.
    /// </summary>
    public static void AddAdoNetGrainStorage(ISiloBuilder silo, string connectionString)
    {
        AddAdoNetSchema(silo, connectionString);
        silo.AddAdoNetGrainStorage(StorageNames.Registry, ob => ob.Configure<Orleans.Serialization.Serializer>((a, s) =>
        {
            a.Invariant = AdoNet.AdoNetSchema.Invariant;
            a.ConnectionString = connectionString;
            a.GrainStorageSerializer = new GrainStateSerializer(s); // no type names from the store
        }));
    }

    // Once per silo and connection string, however many providers use it (a keyed marker records that it was added).
    private static void AddAdoNetSchema(ISiloBuilder silo, string connectionString) =>
        silo.ConfigureServices(s =>
        {
            var marker = AdoNetSchemaKey + connectionString;
            if (s.Any(d => d.IsKeyedService && Equals(d.ServiceKey, marker))) return;
            s.AddKeyedSingleton<AdoNet.AdoNetSchema>(marker, (sp, _) => new AdoNet.AdoNetSchema(connectionString,
                sp.GetService<Microsoft.Extensions.Logging.ILogger<AdoNet.AdoNetSchema>>()));
            s.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp
                => sp.GetRequiredKeyedService<AdoNet.AdoNetSchema>(marker));
        });

    private const string AdoNetSchemaKey = "reb-adonet-schema:";

    /// <summary>The registry's grain storage in a folder (<see cref="FolderGrainStorage"/>): one machine, survives
    /// restarts.</summary>
    public static void AddFolderGrainStorage(ISiloBuilder silo, string folder) =>
        silo.ConfigureServices(s => s.AddGrainStorage(StorageNames.Registry,
            (sp, _) => new FolderGrainStorage(folder, sp.GetRequiredService<Orleans.Serialization.Serializer>(),
                sp.GetService<Microsoft.Extensions.Logging.ILogger<FolderGrainStorage>>())));

    private static void ConfigureReminders(ISiloBuilder silo, SiloHostOptions o)
    {
        switch (o.Reminders.ToLowerInvariant())
        {
            case "memory":
                silo.UseInMemoryReminderService();
                break;
            case "azuretable":
                silo.UseAzureTableReminderService(t => t.TableServiceClient = new Azure.Data.Tables.TableServiceClient(
                    Need(o.AzureStorageConnectionString, "AzureStorageConnectionString")));
                break;
            case "redis":
                silo.UseRedisReminderService(r => r.ConfigurationOptions =
                    StackExchange.Redis.ConfigurationOptions.Parse(Need(o.RedisConnectionString,
                    "RedisConnectionString")));
                break;
            default:
                throw new ArgumentException(
                    $"Reb:Silo:Reminders must be memory, azuretable or redis, got '{o.Reminders}'");
        }
    }

    private static string Need(string? value, string name) =>
        string.IsNullOrWhiteSpace(value)
        ? throw new ArgumentException($"Reb:Silo:{name} is required by the chosen provider") : value;
}
