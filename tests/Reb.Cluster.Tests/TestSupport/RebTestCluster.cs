using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.TestingHost;
using Reb.Abstractions.Grains;
using Reb.Grains.Diagnostics;
using Reb.Grains;
using Reb.Grains.Hosting;
using Reb.Grains.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Reb.Storage;
using Reb.Silo;
using Orleans.Runtime.Hosting;
using Reb.Grains.Models;

namespace Reb.Cluster.Tests.TestSupport;

/// <summary>An in-process multi-silo cluster wired like Reb.Silo's dev defaults, with a chosen accelerator per
/// silo.</summary>
public static class RebTestCluster
{
    /// <param name="gpuSilos">Names of the silos that claim a GPU (the handles' <c>Name</c>, e.g. "Silo_1").</param>
    public static Task<InProcessTestCluster> StartAsync(int silos, string artefactRoot, params string[] gpuSilos) =>
        StartAsync(silos, artefactRoot, new RebTestClusterOptions { GpuSilos = gpuSilos });

    public static async Task<InProcessTestCluster> StartAsync(int silos, string artefactRoot,
        RebTestClusterOptions extra)
    {
        var gpuSilos = extra.GpuSilos;
        var builder = new InProcessTestClusterBuilder((short)silos);
        if (extra.AdoNetConnectionString is not null) WithoutTestMembership(builder.Options);
        builder.ConfigureSilo((options, silo) =>
        {
            var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Reb:ArtefactStore:Kind"] = "local",
                ["Reb:ArtefactStore:Root"] = artefactRoot,
                ["Reb:Accelerator"] = gpuSilos.Contains(options.SiloName) ? "gpu" : "cpu",
                ["Reb:CacheRoot"] = extra.CacheRoot,
                ["Reb:CacheMaxMb"] = extra.CacheMaxMb?.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Reb:Silo:BankMemoryMb"] = extra.BankMemoryMb.TryGetValue(options.SiloName, out var mb)
                    ? mb.ToString(System.Globalization.CultureInfo.InvariantCulture) : null,
            }).AddInMemoryCollection(extra.Settings).Build();
            if (extra.AdoNetConnectionString is { } adoNet)
            {
                SiloHostBuilder.UseAdoNetClustering(silo, adoNet);
                SiloHostBuilder.AddAdoNetGrainStorage(silo, adoNet);
            }
            else if (extra.GrainStorageFolder is { } folder) SiloHostBuilder.AddFolderGrainStorage(silo, folder);
            else silo.AddMemoryGrainStorage(StorageNames.Registry);
            if (extra.WriteGate is { } gate)
                silo.ConfigureServices(s => s.AddSingleton<IArtefactStore>(
                    new GatedArtefactStore(new LocalFolderArtefactStore(artefactRoot, ModelDirectoryFormat.Instance),
                        options.SiloName, gate)));
            silo.UseInMemoryReminderService();
            silo.AddRebGrains(config);
            // A killed silo must be noticed in seconds, not the production defaults' tens of seconds.
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(8));
        });
        builder.ConfigureClient(client =>
        {
            if (extra.AdoNetConnectionString is { } adoNet)
                client.UseAdoNetClustering(c
                    => { c.Invariant = Reb.Silo.AdoNet.AdoNetSchema.Invariant; c.ConnectionString = adoNet; });
            client.AddOutgoingGrainCallFilter<MessageSizeCallFilter>();
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(8));
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        await WaitForSiloMetadataAsync(cluster);
        return cluster;
    }

    /// <summary>
    /// The in-process cluster registers its in-memory membership table after every silo's own configuration (so it
    /// would replace PostgreSQL's) unless its UseTestClusterMembership option is off, and that option is internal.
    /// </summary>
    private static void WithoutTestMembership(InProcessTestClusterOptions options) =>
        (typeof(InProcessTestClusterOptions).GetProperty("UseTestClusterMembership",
             System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic
             | System.Reflection.BindingFlags.Public)
         ?? throw new MissingMemberException(
             "InProcessTestClusterOptions.UseTestClusterMembership is gone: see how this Orleans " +
                                             "version lets a test cluster use a real membership table"))
        .SetValue(options, false);

    /// <summary>
    /// Silo metadata and the cluster manifest (which grain types each silo hosts) reach the other silos
    /// asynchronously after they join; placement before that sees no GPU, or only the placing silo as compatible.
    /// Tests wait until every silo knows every silo's accelerator and grain types so that placement is deterministic.
    /// </summary>
    public static async Task WaitForSiloMetadataAsync(InProcessTestCluster cluster)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        var silos = cluster.Silos.ToList();
        while (true)
        {
            bool complete = silos.All(observer =>
            {
                var cache = observer.SiloHost.Services.GetRequiredService<ISiloMetadataCache>();
                var manifest = observer.SiloHost.Services.GetRequiredService<IClusterManifestProvider>().Current;
                return silos.All(s => cache.GetSiloMetadata(s.SiloAddress)
                    ?.Metadata.ContainsKey(Accelerators.MetadataKey) == true
                                      && manifest.Silos.ContainsKey(s.SiloAddress));
            });
            if (complete) return;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("silo metadata or cluster manifest did not propagate within 20 s");
            await Task.Delay(100);
        }
    }
}

/// <summary>Less common settings of a test cluster.</summary>
public sealed record RebTestClusterOptions
{
    /// <summary>Silos that claim a GPU.</summary>
    public string[] GpuSilos { get; init; } = [];

    /// <summary>
    /// Durable grain storage in this folder (Reb.Silo's folder provider) instead of memory storage, whose state lives
    /// in grains and is lost with the silo that hosted them; tests that kill silos mid-job need state that survives.
    /// </summary>
    public string? GrainStorageFolder { get; init; }

    /// <summary>Membership and grain storage in this PostgreSQL database (Reb.Silo's "adonet" providers) instead of the
    /// test cluster's membership and memory or folder storage.</summary>
    public string? AdoNetConnectionString { get; init; }
    /// <summary>"Reb:CacheRoot" (null: a temp folder per silo) and "Reb:CacheMaxMb" (null: the default).</summary>
    public string? CacheRoot { get; init; }
    public int? CacheMaxMb { get; init; }

    /// <summary>Bank memory budget (MiB) by silo name ("Reb:Silo:BankMemoryMb"); others use the default.</summary>
    public IReadOnlyDictionary<string, double> BankMemoryMb { get; init; } = new Dictionary<string, double>();

    /// <summary>Every silo's artefact store writes through this gate (see <see cref="ArtefactWriteGate"/>).</summary>
    public ArtefactWriteGate? WriteGate { get; init; }

    /// <summary>More configuration of every silo ("Reb:..." keys), on top of the dev defaults.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();
}
