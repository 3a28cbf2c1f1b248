using Reb.Abstractions.Contracts;

namespace Reb.Gateway.Lines;

/// <summary>Whether a line's current bank is in memory: "warm" (every shard resident on a silo), "waking" (shards
/// loading from the store now) or "cold" (some shard resident nowhere: the next inspection loads it).</summary>
public static class LineBankState
{
    public const string Warm = "warm", Waking = "waking", Cold = "cold";

    public static string Of(IReadOnlyList<ShardKey> shards, IReadOnlyList<SiloBankReport> reports)
    {
        var resident = reports.SelectMany(r => r.Resident).ToHashSet(StringComparer.Ordinal);
        var loading = reports.SelectMany(r => r.Loading).ToHashSet(StringComparer.Ordinal);
        if (shards.All(k => resident.Contains(k.ToString()))) return Warm;
        return shards.Any(k => loading.Contains(k.ToString())) ? Waking : Cold;
    }
}
