using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Placement;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Reb.Storage;
using Reb.Storage;
using Reb.Grains.Diagnostics;
using Reb.Grains.Models;
using Reb.Grains.Compute;
using Reb.Grains.Placement;

namespace Reb.Grains.Hosting;

/// <summary>Registers what the REB grains need on a silo, whatever providers the host picked.</summary>
public static class RebSiloExtensions
{
    /// <summary>
    /// Options from section "Reb", the silo's accelerator as metadata, the GPU placement filter, the per-silo model
    /// cache, the message-size meter, and the artefact store configured in "Reb:ArtefactStore" (local folder or
    /// Azure Blob) unless an <see cref="IArtefactStore"/> was registered before (tests inject faulty ones).
    /// </summary>
    public static ISiloBuilder AddRebGrains(this ISiloBuilder silo, IConfiguration configuration)
    {
        var section = configuration.GetSection(RebOptions.Section);
        var accelerator = Accelerators.Normalize(section[nameof(RebOptions.Accelerator)]);
        silo.UseSiloMetadata(new Dictionary<string, string> { [Accelerators.MetadataKey] = accelerator });
        silo.AddOutgoingGrainCallFilter<MessageSizeCallFilter>();
        silo.ConfigureServices(services =>
        {
            services.Configure<RebOptions>(section);
            services.AddPlacementFilter<PreferGpuPlacementFilterStrategy, PreferGpuPlacementFilterDirector>(ServiceLifetime.Singleton);
            services.AddSingleton<SiloModelCache>();
            services.AddSingleton<ComputeGate>();
            services.TryAddSingleton<IArtefactStore>(sp => ArtefactStoreFactory.Create(
                sp.GetRequiredService<IOptions<RebOptions>>().Value.ArtefactStore, sp.GetService<ILoggerFactory>()));
        });
        return silo;
    }
}
