using Reb.Grains.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Placement;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Reb.Storage;
using Reb.Storage.Inspections;
using Reb.Grains.Diagnostics;
using Reb.Grains.Models;
using Reb.Grains.Placement;

namespace Reb.Grains;

/// <summary>Registers what the REB grains need on a silo, whatever providers the host picked.</summary>
public static class RebSiloExtensions
{
    /// <summary>
    /// Options from section "Reb", the silo's device and the accelerator derived from it as metadata, the GPU placement
    /// filter, the per-silo model
    /// cache, the message-size meter, the inspection history ("Reb:History", opened at start-up) and the artefact store
    /// configured in "Reb:ArtefactStore" (local folder or
    /// Azure Blob) unless an <see cref="IArtefactStore"/> was registered before (tests inject faulty ones).
    /// </summary>
    public static ISiloBuilder AddRebGrains(this ISiloBuilder silo, IConfiguration configuration)
    {
        var section = configuration.GetSection(RebOptions.Section);
        // The device is resolved once, at start-up: "cuda" on a machine without CUDA fails here, loudly, not at the
        // first score.
        var device = Reb.Core.ComputeDevice.Resolve(section[nameof(RebOptions.Device)]);
        var accelerator = Accelerators.Resolve(device.type, section[nameof(RebOptions.Accelerator)]);
        silo.UseSiloMetadata(new Dictionary<string, string> { [Accelerators.MetadataKey] = accelerator });
        silo.AddOutgoingGrainCallFilter<MessageSizeCallFilter>();
        silo.ConfigureServices(services =>
        {
            services.Configure<RebOptions>(section);
            services.Configure<BankMemoryOptions>(configuration.GetSection(BankMemoryOptions.Section));
            services.AddSingleton<Reb.Grains.Shards.SiloBankMemory>();
            services.AddSingleton<ClusterBankMemory>();
            services.AddHostedService<Reb.Grains.Shards.BankMemoryReporter>();
            services.AddSingleton<Training.CheckpointRetention>();
            services.AddHostedService(sp => sp.GetRequiredService<Training.CheckpointRetention>());
            services.AddPlacementFilter<PreferGpuPlacementFilterStrategy, PreferGpuPlacementFilterDirector>(
                ServiceLifetime.Singleton);
            services.AddPlacementDirector<ShardSpreadPlacement, ShardSpreadPlacementDirector>();
            services.AddSingleton(new SiloDevice(device));
            services.AddSingleton<SiloModelCache>();
            services.TryAddSingleton<IModelFormat>(Models.ModelDirectoryFormat.Instance);
            services.TryAddSingleton<IArtefactStore>(sp => ArtefactStoreFactory.Create(
                sp.GetRequiredService<IOptions<RebOptions>>().Value.ArtefactStore,
                sp.GetRequiredService<IModelFormat>(),
                sp.GetService<ILoggerFactory>()));
            // The inspection history ("Reb:History"): the gateway writes every inspection there before it answers.
            services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<RebOptions>>().Value.History);
            services.TryAddSingleton<IInspectionHistory>(sp =>
            {
                var o = sp.GetRequiredService<IOptions<RebOptions>>().Value;
                return InspectionHistoryFactory.Create(o.History, o.ArtefactStore);
            });
            services.TryAddSingleton<InspectionImages>();
            services.TryAddSingleton<InspectionRecorder>();
            services.TryAddSingleton<InspectionRetention>();
            services.AddHostedService<InspectionHistoryService>();
        });
        return silo;
    }
}
