using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;

namespace Reb.Grains.Operations;

/// <summary>Persisted counters of a line's inspections (the recent results themselves stay in memory).</summary>
[GenerateSerializer]
public sealed class InspectionCountersState
{
    [Id(0)] public long Inspections { get; set; }
    [Id(1)] public long Rejects { get; set; }
    [Id(2)] public DateTimeOffset? LastInspectionUtc { get; set; }
}

/// <summary>
/// Ring of a line's latest inspections with their overlays, plus counters. Writing the counters on every inspection
/// would put a storage write on the inspection path; they are written at most every <see cref="CounterWriteInterval"/>
/// and when the activation ends, so a silo crash can lose a few seconds of counts (never results: the caller has them).
/// </summary>
public sealed class InspectionLogGrain(
    [PersistentState("inspections", StorageNames.Registry)] IPersistentState<InspectionCountersState> state) : Grain,
        IInspectionLogGrain
{
    /// <summary>Inspections kept with their overlays.</summary>
    public const int Capacity = 50;
    public static readonly TimeSpan CounterWriteInterval = TimeSpan.FromSeconds(5);

    private readonly LinkedList<(InspectionRecord Record, byte[] Overlay, byte[] Thumbnail)> _recent = new();
    private readonly Queue<DateTimeOffset> _lastMinute = new();
    private DateTimeOffset _lastWrite = DateTimeOffset.MinValue;
    private bool _dirty;

    public async Task Record(InspectionRecord inspection, byte[] overlayPng, byte[] thumbnailPng)
    {
        ArgumentNullException.ThrowIfNull(inspection);
        // Idempotent by inspection id: a caller that retries after a timeout (the first call may have landed) must
        // not count the image twice.
        if (_recent.Any(r => r.Record.Id == inspection.Id)) return;
        _recent.AddFirst((inspection, overlayPng ?? [], thumbnailPng ?? []));
        while (_recent.Count > Capacity) _recent.RemoveLast();
        var s = state.State;
        s.Inspections++;
        if (inspection.Reject) s.Rejects++;
        s.LastInspectionUtc = inspection.TimestampUtc;
        _lastMinute.Enqueue(inspection.TimestampUtc);
        TrimLastMinute(); // on write too: a line nobody reads must not grow this queue without bound
        _dirty = true;
        if (DateTimeOffset.UtcNow - _lastWrite >= CounterWriteInterval) await WriteCounters();
    }

    public Task<IReadOnlyList<InspectionRecord>> Latest(int take) =>
        Task.FromResult<IReadOnlyList<InspectionRecord>>(_recent.Take(Math.Max(0, take)).Select(r => r.Record)
            .ToList());

    public Task<byte[]?> Overlay(string id, bool thumbnail)
    {
        foreach (var r in _recent)
            if (r.Record.Id == id) return Task.FromResult<byte[]?>(thumbnail ? r.Thumbnail : r.Overlay);
        return Task.FromResult<byte[]?>(null);
    }

    public Task<InspectionCounters> Counters()
    {
        TrimLastMinute();
        var s = state.State;
        return Task.FromResult(new InspectionCounters(s.Inspections, s.Rejects, _lastMinute.Count,
            s.LastInspectionUtc));
    }

    private void TrimLastMinute()
    {
        var cutoff = DateTimeOffset.UtcNow.AddMinutes(-1);
        while (_lastMinute.Count > 0 && _lastMinute.Peek() < cutoff) _lastMinute.Dequeue();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_dirty) await WriteCounters();
    }

    private async Task WriteCounters()
    {
        await state.WriteStateAsync();
        _lastWrite = DateTimeOffset.UtcNow;
        _dirty = false;
    }
}
