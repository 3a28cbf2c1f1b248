using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Reb.Abstractions.Contracts;
using Reb.Grains.Diagnostics;
using Reb.Grains.Hosting;

namespace Reb.Grains.Shards;

/// <summary>
/// The bank shards resident on this silo and its memory budget for them. A shard registers when its slice is loaded
/// and leaves when it deactivates; when the resident bytes exceed the budget, the least recently used shards are
/// asked to deactivate (idle ones first, newest load excepted), and their banks come back from the artefact store on
/// their next query. A busy shard finishes the queries it is running before it goes: under a load that keeps every
/// shard busy, skipping busy shards let a silo hold three times its budget.
/// </summary>
public sealed class SiloBankMemory
{
    private sealed class Entry(long bytes, Action evict)
    {
        public long Bytes { get; } = bytes;
        public Action Evict { get; } = evict;
        public long LastUsed = Stopwatch.GetTimestamp();
        public int InFlight;
        public bool Evicting;
    }

    private readonly object _lock = new();
    private readonly Dictionary<string, Entry> _resident = new(StringComparer.Ordinal);
    private readonly HashSet<string> _loading = new(StringComparer.Ordinal);
    private readonly ILogger<SiloBankMemory> _log;
    private long _residentBytes, _maxResidentBytes, _largestShardBytes, _reservedBytes;
    // Loads admitted but not resident yet, with the bytes held for each (the largest shard seen so far).
    private readonly Dictionary<string, long> _reservations = new(StringComparer.Ordinal);

    public SiloBankMemory(IOptions<BankMemoryOptions> options, ILocalSiloDetails silo, ILogger<SiloBankMemory> log)
    {
        _log = log;
        Silo = silo.SiloAddress.ToParsableString();
        BudgetBytes = options.Value.BudgetBytes;
        RebMetrics.TrackResidentBytes(this, Silo, () => ResidentBytes);
    }

    /// <summary>This silo's address (as placement and the reports name silos).</summary>
    public string Silo { get; }
    public long BudgetBytes { get; }
    public long ResidentBytes { get { lock (_lock) return _residentBytes; } }
    /// <summary>The most bytes resident at once since the silo started.</summary>
    public long MaxResidentBytes { get { lock (_lock) return _maxResidentBytes; } }

    /// <summary>Longest a load waits for evicted shards to leave before it goes ahead anyway.</summary>
    public static readonly TimeSpan RoomWait = TimeSpan.FromSeconds(30);

    private TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// A shard is about to load its slice (shown as "waking" until it is resident). While the silo is over its budget,
    /// the least recently used shards are asked to leave, and the load waits (at most <see cref="RoomWait"/>) until
    /// their bytes are released: a busy shard finishes its running queries first, and without this wait a burst of
    /// loads stacked up several evicted-but-not-yet-gone shards over the budget. Admitted loads hold the size of the
    /// largest shard seen until they are resident, so loads admitted together do not each take the same room; the
    /// first is admitted once the resident shards fit the budget, which bounds the silo by its budget plus one shard.
    /// </summary>
    public async Task LoadingAsync(string key)
    {
        List<(string Key, Action Evict)> victims;
        lock (_lock)
        {
            _loading.Add(key);
            victims = ChooseVictims(except: key, incoming: Math.Max(1, _largestShardBytes));
        }
        Deactivate(victims);
        var deadline = DateTime.UtcNow + RoomWait;
        while (true)
        {
            Task released;
            lock (_lock)
            {
                bool fits = _reservedBytes == 0 ? _residentBytes <= BudgetBytes : _residentBytes +
                    _reservedBytes <= BudgetBytes;
                if (fits || DateTime.UtcNow >= deadline)
                {
                    long hold = Math.Max(1, _largestShardBytes);
                    _reservations[key] = hold;
                    _reservedBytes += hold;
                    return;
                }
                released = _released.Task;
            }
            await Task.WhenAny(released,
                Task.Delay(deadline - DateTime.UtcNow is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero));
        }
    }

    // Under _lock.
    private void EndReservation(string key)
    {
        if (_reservations.Remove(key, out var hold)) _reservedBytes -= hold;
    }

    /// <summary>A shard's load failed; it is neither loading nor resident.</summary>
    public void LoadFailed(string key)
    {
        lock (_lock)
        {
            _loading.Remove(key);
            EndReservation(key);
        }
    }

    /// <summary>
    /// A shard's slice of <paramref name="bytes"/> is loaded; <paramref name="evict"/> deactivates that shard. Evicts
    /// the least recently used idle shards while the silo is over its budget.
    /// </summary>
    public void Resident(string key, long bytes, Action evict)
    {
        List<(string Key, Action Evict)> victims;
        lock (_lock)
        {
            _loading.Remove(key);
            EndReservation(key);
            if (_resident.Remove(key, out var old)) _residentBytes -= old.Bytes;
            _resident[key] = new Entry(bytes, evict);
            _residentBytes += bytes;
            _maxResidentBytes = Math.Max(_maxResidentBytes, _residentBytes);
            _largestShardBytes = Math.Max(_largestShardBytes, bytes);
            victims = ChooseVictims(except: key, incoming: 0);
        }
        Deactivate(victims);
    }

    private void Deactivate(List<(string Key, Action Evict)> victims)
    {
        foreach (var (victim, deactivate) in victims)
        {
            _log.LogInformation("bank budget {Budget} bytes exceeded: deactivating shard {Shard}", BudgetBytes, victim);
            deactivate();
        }
    }

    /// <summary>A shard deactivated: its bytes are free.</summary>
    public void Released(string key)
    {
        lock (_lock)
        {
            _loading.Remove(key);
            EndReservation(key);
            if (_resident.Remove(key, out var e)) _residentBytes -= e.Bytes;
            _released.TrySetResult();
            _released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>Marks a query on <paramref name="key"/> running until the result is disposed (idle shards are evicted
    /// before busy ones; the end of the query is the shard's last use).</summary>
    public IDisposable Use(string key)
    {
        Entry? e;
        lock (_lock)
        {
            if (_resident.TryGetValue(key, out e)) { e.InFlight++; e.LastUsed = Stopwatch.GetTimestamp(); }
        }
        return new UseScope(this, e);
    }

    private sealed class UseScope(SiloBankMemory owner, Entry? entry) : IDisposable
    {
        public void Dispose()
        {
            if (entry is null) return;
            lock (owner._lock) { entry.InFlight--; entry.LastUsed = Stopwatch.GetTimestamp(); }
        }
    }

    public SiloBankReport Report()
    {
        lock (_lock)
            return new SiloBankReport(Silo, BudgetBytes, _residentBytes, [.. _resident.Keys], [.. _loading],
                _maxResidentBytes, DateTime.UtcNow, _largestShardBytes);
    }

    // Under _lock. Bytes of shards already asked to leave no longer count against the budget; loads admitted and the
    // one about to load (incoming) do.
    private List<(string, Action)> ChooseVictims(string except, long incoming)
    {
        var victims = new List<(string, Action)>();
        long counted = _resident.Values.Where(e => !e.Evicting).Sum(e => e.Bytes) + _reservedBytes + incoming;
        if (counted <= BudgetBytes) return victims;
        foreach (var (key, e) in _resident.Where(kv => kv.Key != except && !kv.Value.Evicting)
                     .OrderBy(kv => kv.Value.InFlight > 0).ThenBy(kv => kv.Value.LastUsed).ToList())
        {
            if (counted <= BudgetBytes) break;
            e.Evicting = true;
            counted -= e.Bytes;
            victims.Add((key, e.Evict));
        }
        return victims;
    }
}
