using Orleans.Placement;
using Orleans.Runtime.Placement;
using Reb.Abstractions.Contracts;

namespace Reb.Grains.Placement;

/// <summary>
/// Places bank shard I of N on the (I + offset)-th of the compatible silos sorted by address, the offset a stable
/// hash of the shard's line and source. A bank split N ways over S silos thus puts N/S (rounded) shards on each
/// silo, and different lines start on different silos. Random placement piled shards up: 4 shards over 3 silos
/// landed all on one silo once in 27 lines, and that silo then did all of the line's search alone.
/// Compatible silos are those left by the placement filters (GPU silos when there are any).
/// </summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class ShardSpreadPlacement : PlacementStrategy
{
    internal static readonly ShardSpreadPlacement Singleton = new();
}

/// <summary>Marks a grain class keyed by <see cref="ShardKey"/> strings for <see
/// cref="ShardSpreadPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ShardSpreadPlacementAttribute() : PlacementAttribute(ShardSpreadPlacement.Singleton);

/// <summary>Chooses the silo of a new bank shard activation (see <see cref="ShardSpreadPlacement"/>).</summary>
public sealed class ShardSpreadPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);
        if (IPlacementDirector.GetPlacementHint(target.RequestContextData, silos) is { } hint) return Task.FromResult(hint);
        return Task.FromResult(Choose(target.GrainIdentity.Key.ToString()!, silos));
    }

    /// <summary>The silo for the shard key among <paramref name="silos"/>; every silo with the same view chooses the
    /// same one.</summary>
    public static SiloAddress Choose(string shardKey, IReadOnlyList<SiloAddress> silos)
    {
        if (silos.Count == 0) throw new OrleansException($"no compatible silo for bank shard '{shardKey}'");
        var ordered = silos.OrderBy(s => s.ToParsableString(), StringComparer.Ordinal).ToList();
        var key = ShardKey.Parse(shardKey);
        long slot = (long)key.Index + StableHash($"{key.Line}/{key.Source}");
        return ordered[(int)(slot % ordered.Count)];
    }

    // FNV-1a: string.GetHashCode differs between processes, and every silo must compute the same offset.
    private static uint StableHash(string text)
    {
        uint h = 2166136261;
        foreach (char c in text) { h ^= c; h *= 16777619; }
        return h;
    }
}
