using Orleans.Concurrency;
using Reb.Abstractions.Contracts;

namespace Reb.Abstractions.Grains;

/// <summary>
/// The inspection history for cluster clients (the CLI), which have no database connection of their own: a stateless
/// worker on any silo reads and reviews rows through that silo's history (key: 0). Rows are the line's own site's.
/// The HTTP gateway, co-hosted with a silo, uses the history directly.
/// </summary>
public interface IInspectionHistoryGrain : IGrainWithIntegerKey
{
    [ReadOnly] Task<IReadOnlyList<HistoryRow>> Query(HistoryQuery query);

    /// <summary>The same rows as CSV (header + one line per row).</summary>
    [ReadOnly] Task<string> ExportCsv(HistoryQuery query);

    /// <summary>Keeps an inspection a cluster client made (row, and its images when a reject or a sampled accept);
    /// returns the inspection's id. The row is written before this returns: an answered inspection is in the
    /// history.</summary>
    Task<string> Record(InspectionToRecord inspection);

    /// <summary>Records a review ("confirm" or "overturn"); null when the line has no such inspection.</summary>
    Task<HistoryRow?> Review(string line, string id, string decision, string reviewer, string? note);
}
