using Orleans.Metadata;
using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace Reb.Grains.Placement;

/// <summary>
/// Placement filter: keeps only silos whose metadata says <c>hardware.accelerator=gpu</c> when at least one such
/// compatible silo exists, otherwise all of them. Filters run before any placement strategy (random for bank shards,
/// local-or-filtered for stateless scoring workers), so both grain kinds land on GPU silos when there are any.
/// </summary>
public sealed class PreferGpuPlacementFilterStrategy() : PlacementFilterStrategy(order: 0);

/// <summary>Marks a grain class as preferring GPU silos (<see cref="PreferGpuPlacementFilterStrategy"/>).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class PreferGpuPlacementAttribute() : PlacementFilterAttribute(new PreferGpuPlacementFilterStrategy());

/// <summary>Applies <see cref="PreferGpuPlacementFilterStrategy"/> using the cluster's silo metadata cache.</summary>
public sealed class PreferGpuPlacementFilterDirector(ISiloMetadataCache metadata) : IPlacementFilterDirector
{
    public IEnumerable<SiloAddress> Filter(PlacementFilterStrategy filterStrategy, PlacementTarget target,
        IEnumerable<SiloAddress> silos)
    {
        var all = silos.ToList();
        var gpu = all.Where(IsGpu).ToList();
        return gpu.Count > 0 ? gpu : all;
    }

    private bool IsGpu(SiloAddress silo) =>
        metadata.GetSiloMetadata(silo)?.Metadata is { } m && m.TryGetValue(Accelerators.MetadataKey, out var v)
        && v == Accelerators.Gpu;
}
