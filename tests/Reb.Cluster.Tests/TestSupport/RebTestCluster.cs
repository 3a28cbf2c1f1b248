using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.TestingHost;
using Reb.Abstractions.Grains;
using Reb.Grains.Diagnostics;
using Reb.Grains.Hosting;

namespace Reb.Cluster.Tests.TestSupport;

/// <summary>An in-process multi-silo cluster wired like Reb.Silo's dev defaults, with a chosen accelerator per silo.</summary>
public static class RebTestCluster
{
    /// <param name="gpuSilos">Silo indices (0 = primary) that claim a GPU.</param>
    public static async Task<InProcessTestCluster> StartAsync(int silos, string artefactRoot, params int[] gpuSilos)
    {
        var builder = new InProcessTestClusterBuilder((short)silos);
        int created = 0;
        var names = new Dictionary<string, int>();
        builder.ConfigureSilo((options, silo) =>
        {
            int index;
            lock (names)
                if (!names.TryGetValue(options.SiloName, out index)) names[options.SiloName] = index = created++;
            var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Reb:ArtefactRoot"] = artefactRoot,
                ["Reb:Accelerator"] = gpuSilos.Contains(index) ? "gpu" : "cpu",
            }).Build();
            silo.AddMemoryGrainStorage(StorageNames.Registry);
            silo.UseInMemoryReminderService();
            silo.AddRebGrains(config);
            // A killed silo must be noticed in seconds, not the production defaults' tens of seconds.
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(20));
        });
        builder.ConfigureClient(client =>
        {
            client.AddOutgoingGrainCallFilter<MessageSizeCallFilter>();
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(20));
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }
}
