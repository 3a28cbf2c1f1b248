using Orleans.Concurrency;
using Reb.Abstractions.Contracts;

namespace Reb.Abstractions.Grains;

/// <summary>
/// Recent inspections of a line (key = line id): a bounded ring of the latest results with their overlay PNGs, and
/// the line's counters. The ring lives in memory (overlays are too large to persist on every inspection); the
/// counters are persisted at most every few seconds and when the activation ends.
/// </summary>
public interface IInspectionLogGrain : IGrainWithStringKey
{
    Task Record(InspectionRecord inspection, byte[] overlayPng, byte[] thumbnailPng);
    /// <summary>Latest inspections, newest first.</summary>
    [ReadOnly] Task<IReadOnlyList<InspectionRecord>> Latest(int take);
    /// <summary>Overlay PNG of a recent inspection (or its thumbnail); null when it left the ring.</summary>
    [ReadOnly] Task<byte[]?> Overlay(string id, bool thumbnail);
    [ReadOnly] Task<InspectionCounters> Counters();
}
