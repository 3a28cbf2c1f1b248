using System.Diagnostics;
using Reb.Abstractions.Contracts;

namespace Reb.Grains.Placement;

/// <summary>One compatible silo as shard placement sees it.</summary>
/// <param name="FreeBytes">budget minus resident bytes minus shards placed there and not yet reported.</param>
/// <param name="SameBank">shards of the same line and source the silo holds, loads or was just given.</param>
public sealed record SiloBankView(SiloAddress Silo, long FreeBytes, int SameBank);

/// <summary>
/// This silo's copy of the cluster's bank memory reports (refreshed every second by the silo's bank memory reporter)
/// plus the shards this silo placed since: placements of a burst (a cold line's shards all waking at once) would
/// otherwise all see the same free budget and pile onto one silo.
/// </summary>
public sealed class ClusterBankMemory
{
    /// <summary>A placement not yet visible in its silo's report stops counting after this long.</summary>
    private static readonly TimeSpan PendingFor = TimeSpan.FromSeconds(30);

    private readonly object _lock = new();
    private Dictionary<string, SiloBankReport> _reports = new(StringComparer.Ordinal);
    private readonly List<(string Silo, ShardKey Key, long At)> _pending = [];

    public void Update(IEnumerable<SiloBankReport> reports)
    {
        lock (_lock)
        {
            _reports = reports.ToDictionary(r => r.Silo, StringComparer.Ordinal);
            _pending.RemoveAll(p => _reports.TryGetValue(p.Silo, out var r)
                && (r.Resident.Contains(p.Key.ToString()) || r.Loading.Contains(p.Key.ToString())));
        }
    }

    /// <summary>Chooses the silo for <paramref name="key"/> among <paramref name="silos"/> and counts it there until
    /// that silo reports the shard.</summary>
    public SiloAddress Place(ShardKey key, IReadOnlyList<SiloAddress> silos)
    {
        lock (_lock)
        {
            long now = Stopwatch.GetTimestamp();
            _pending.RemoveAll(p => Stopwatch.GetElapsedTime(p.At, now) > PendingFor);
            var chosen = ShardSpreadPlacementDirector.Choose(key, silos.Select(s => View(s, key)).ToList());
            _pending.Add((chosen.ToParsableString(), key, now));
            return chosen;
        }
    }

    // Under _lock. A silo without a report yet (it just joined) is empty, with the largest budget reported.
    private SiloBankView View(SiloAddress silo, ShardKey key)
    {
        var name = silo.ToParsableString();
        string bank = $"{key.Line}/{key.Source}/";
        _reports.TryGetValue(name, out var report);
        long budget = report?.BudgetBytes ?? (_reports.Count > 0 ? _reports.Values.Max(r => r.BudgetBytes) : 0);
        var pending = _pending.Where(p => p.Silo == name).ToList();
        long free = budget - (report?.ResidentBytes ?? 0) - pending.Count * PendingShardBytes();
        int sameBank = (report?.Resident.Count(k => k.StartsWith(bank, StringComparison.Ordinal)) ?? 0)
                       + (report?.Loading.Count(k => k.StartsWith(bank, StringComparison.Ordinal)) ?? 0)
                       + pending.Count(p => p.Key.Line == key.Line && p.Key.Source == key.Source);
        return new SiloBankView(silo, free, sameBank);
    }

    // Under _lock. The size of a shard not loaded yet: the mean resident shard of the cluster (1 byte when none is, so
    // that placements still count).
    private long PendingShardBytes()
    {
        long bytes = _reports.Values.Sum(r => r.ResidentBytes);
        int shards = _reports.Values.Sum(r => r.Resident.Length);
        return shards > 0 ? Math.Max(1, bytes / shards) : 1;
    }
}
