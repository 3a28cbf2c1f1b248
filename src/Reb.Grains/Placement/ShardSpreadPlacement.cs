using Orleans.Placement;
using Orleans.Runtime.Placement;
using Reb.Abstractions.Contracts;

namespace Reb.Grains.Placement;

/// <summary>
/// Places a bank shard on the compatible silo (those left by the placement filters: GPU silos when there are any)
/// that holds the fewest shards of the same line and source, and among those the one with the most free bank memory
/// budget (<see cref="ClusterBankMemory"/>); equal silos are taken in an order rotated by a stable hash of the line,
/// source and shard index, so lines start on different silos. A line's N shards thus spread over N silos where there
/// are enough, and new shards go where memory is free. (Random placement piled shards up: 4 shards over 3 silos
/// landed all on one silo once in 27 lines, and that silo then did all of the line's search alone.)
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
public sealed class ShardSpreadPlacementDirector(ClusterBankMemory memory) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target,
        IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);
        if (IPlacementDirector.GetPlacementHint(target.RequestContextData, silos) is { } hint)
            return Task.FromResult(hint);
        return Task.FromResult(memory.Place(ShardKey.Parse(target.GrainIdentity.Key.ToString()!), silos));
    }

    /// <summary>The silo for <paramref name="key"/> among <paramref name="silos"/> (see <see
    /// cref="ShardSpreadPlacement"/>); every silo with the same view chooses the same one.</summary>
    public static SiloAddress Choose(ShardKey key, IReadOnlyList<SiloBankView> silos)
    {
        if (silos.Count == 0) throw new OrleansException($"no compatible silo for bank shard '{key}'");
        var ordered = silos.OrderBy(s => s.Silo.ToParsableString(), StringComparer.Ordinal).ToList();
        long offset = (key.Index + (long)StableHash($"{key.Line}/{key.Source}")) % ordered.Count;
        return ordered.Select((view, i) => (View: view, Turn: (i - offset + ordered.Count) % ordered.Count))
            .OrderBy(s => s.View.SameBank).ThenByDescending(s => s.View.FreeBytes).ThenBy(s => s.Turn)
            .First().View.Silo;
    }

    // FNV-1a: string.GetHashCode differs between processes, and every silo must compute the same offset.
    private static uint StableHash(string text)
    {
        uint h = 2166136261;
        foreach (char c in text) { h ^= c; h *= 16777619; }
        return h;
    }
}
