using Microsoft.Extensions.Logging;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;

namespace Reb.Grains.Diagnostics;

/// <summary>
/// The one place that counts what retention removed: this silo's /metrics counters and the cluster's totals grain
/// (what <c>reb cluster status</c> prints). Counting never fails the deletion it reports.
/// </summary>
public static class RetentionRecorder
{
    public static async Task RecordAsync(IGrainFactory grains, RetentionTotals removed, ILogger log)
    {
        if (removed.CheckpointFiles > 0)
            RebMetrics.Retention("checkpoint", removed.CheckpointFiles, removed.CheckpointBytes);
        if (removed.OrphanImages > 0)
            RebMetrics.Retention("orphan-image", removed.OrphanImages, removed.OrphanImageBytes);
        if (removed.VersionsRemoved > 0) RebMetrics.Retention("version", removed.VersionsRemoved, removed.VersionBytes);
        try { await grains.GetGrain<IRetentionTotalsGrain>(IRetentionTotalsGrain.Key).Add(removed); }
        catch (Exception e) { log.LogWarning(e, "retention: could not add {Removed} to the cluster's totals",
            removed); }
    }
}
