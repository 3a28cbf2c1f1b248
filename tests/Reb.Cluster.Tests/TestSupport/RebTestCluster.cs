using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.TestingHost;
using Reb.Abstractions.Grains;
using Reb.Grains.Diagnostics;
using Reb.Grains.Hosting;
using Reb.Grains.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace Reb.Cluster.Tests.TestSupport;

/// <summary>An in-process multi-silo cluster wired like Reb.Silo's dev defaults, with a chosen accelerator per silo.</summary>
public static class RebTestCluster
{
    /// <param name="gpuSilos">Names of the silos that claim a GPU (the handles' <c>Name</c>, e.g. "Silo_1").</param>
    public static async Task<InProcessTestCluster> StartAsync(int silos, string artefactRoot, params string[] gpuSilos)
    {
        var builder = new InProcessTestClusterBuilder((short)silos);
        builder.ConfigureSilo((options, silo) =>
        {
            var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Reb:ArtefactStore:Kind"] = "local",
                ["Reb:ArtefactStore:Root"] = artefactRoot,
                ["Reb:Accelerator"] = gpuSilos.Contains(options.SiloName) ? "gpu" : "cpu",
            }).Build();
            silo.AddMemoryGrainStorage(StorageNames.Registry);
            silo.UseInMemoryReminderService();
            silo.AddRebGrains(config);
            // A killed silo must be noticed in seconds, not the production defaults' tens of seconds.
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(8));
        });
        builder.ConfigureClient(client =>
        {
            client.AddOutgoingGrainCallFilter<MessageSizeCallFilter>();
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(8));
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        await WaitForSiloMetadataAsync(cluster);
        return cluster;
    }

    /// <summary>
    /// Silo metadata reaches the other silos asynchronously after they join; placement before that sees no GPU.
    /// Tests wait until every silo knows every silo's accelerator so that placement is deterministic.
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
                return silos.All(s => cache.GetSiloMetadata(s.SiloAddress)?.Metadata.ContainsKey(Accelerators.MetadataKey) == true);
            });
            if (complete) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("silo metadata did not propagate within 20 s");
            await Task.Delay(100);
        }
    }
}
