using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Reb.Abstractions.Grains;
using Reb.Gateway.Telemetry;
using Reb.Storage.Inspections;

namespace Reb.Gateway.Lines;

/// <summary>
/// Tests every line in the history for drift on a fixed period, so the drift gauges (and the alert on them) move
/// without anyone opening the dashboard. A line whose test fails is skipped until the next round.
/// </summary>
public sealed class DriftMonitor(LineService lines, ScoreService scores, DriftMetrics metrics, IInspectionHistory history,
    IOptions<GatewayOptions> options, ILogger<DriftMonitor> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stop)
    {
        int seconds = options.Value.DriftCheckSeconds;
        if (seconds <= 0) return;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(seconds));
        while (await timer.WaitForNextTickAsync(stop))
        {
            try { await CheckAllAsync(stop); }
            catch (OperationCanceledException) when (stop.IsCancellationRequested) { return; }
            catch (Exception e) { log.LogWarning(e, "drift check round failed"); }
        }
    }

    public async Task CheckAllAsync(CancellationToken ct)
    {
        foreach (var (site, line) in await history.LinesAsync(ct))
        {
            try
            {
                var (settings, status) = await lines.OwnerAsync(line, ct);
                if (settings.EffectiveSite != site) continue; // rows of a line that moved sites: the owner's rows count
                status ??= await lines.Cluster.RetryAsync(() => lines.Grains.GetGrain<IProductLineGrain>(line).GetStatus(), ct);
                metrics.Record(site, await scores.DriftAsync(new LineContext(line, status, settings), ct));
            }
            catch (Exception e) when (e is not OperationCanceledException) { log.LogWarning(e, "drift check of line {Line} failed", line); }
        }
    }
}
