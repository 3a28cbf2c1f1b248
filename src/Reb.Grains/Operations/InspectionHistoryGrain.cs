using Orleans.Concurrency;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Reb.Storage;
using Reb.Storage.Inspections;

namespace Reb.Grains.Operations;

/// <summary>Moves history rows between the silo's <see cref="IInspectionHistory"/> and cluster clients; the line's site
/// scopes every call.</summary>
[StatelessWorker]
public sealed class InspectionHistoryGrain(IInspectionHistory history, InspectionRecorder recorder) : Grain,
    IInspectionHistoryGrain
{
    public async Task<string> Record(InspectionToRecord r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var site = await SiteOf(r.Line);
        var id = Guid.NewGuid().ToString("N")[..16];
        await recorder.RecordAsync(new InspectionEntry(id, site, r.Line, r.Version, r.Score, r.Reject, r.Threshold,
            r.LatencyMs,
            DateTimeOffset.UtcNow, r.ImageName), r.Image, r.OverlayPng);
        return id;
    }

    public async Task<IReadOnlyList<HistoryRow>> Query(HistoryQuery q) =>
        (await history.QueryAsync(await ToQuery(q))).Select(ToRow).ToList();

    public async Task<string> ExportCsv(HistoryQuery q)
        => InspectionCsv.Write(await history.QueryAsync(await ToQuery(q)));

    public async Task<HistoryRow?> Review(string line, string id, string decision, string reviewer, string? note) =>
        await history.ReviewAsync(await SiteOf(line), line, id, InspectionFilters.Decision(decision), reviewer,
            DateTimeOffset.UtcNow, note) is { } e
            ? ToRow(e) : null;

    private async Task<InspectionQuery> ToQuery(HistoryQuery q) => new(await SiteOf(q.Line), q.Line, q.From, q.To,
        InspectionFilters.Verdict(q.Verdict), InspectionFilters.Review(q.Review), q.Limit);

    private async Task<string> SiteOf(string line)
        => (await GrainFactory.GetGrain<ILineOperationsGrain>(line).GetSettings()).EffectiveSite;

    private static HistoryRow ToRow(InspectionEntry e)
        => new(e.Id, e.Site, e.Line, e.Version, e.Score, e.Reject, e.Threshold, e.LatencyMs,
        e.TimeUtc, e.ImageName, e.ImageKey, InspectionCsv.ReviewName(e.Review), e.Reviewer, e.ReviewedUtc, e.Note,
        e.BankVersion);
}
