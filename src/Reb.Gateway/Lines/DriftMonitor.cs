using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Reb.Abstractions.Grains;
using Reb.Gateway.Telemetry;
using Reb.Storage.Inspections;

namespace Reb.Gateway.Lines;

/// <summary>
/// Tests every line in the history for drift on a fixed period, so the drift gauges (and the alert on them) move
/// without anyone opening the dashboard. A line whose test fails is skipped until the next round. The cluster-facing
/// services are resolved when a round runs, not when the host starts: a host whose options are invalid must stop with
/// the options' error, not with a missing cluster client.
/// </summary>
public sealed class DriftMonitor(IServiceProvider services, DriftMetrics metrics, IOptions<GatewayOptions> options,
    ILogger<DriftMonitor> log) : BackgroundService
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
        var lines = services.GetRequiredService<LineService>();
        var scores = services.GetRequiredService<ScoreService>();
        var history = services.GetRequiredService<IInspectionHistory>();
        foreach (var (site, line) in await history.LinesAsync(ct))
        {
            try
            {
                var (settings, status) = await lines.OwnerAsync(line, ct);
                if (settings.EffectiveSite != site) continue; // rows of a line that moved sites: the owner's rows count
                status ??= await lines.Cluster.RetryAsync(() => lines.Grains.GetGrain<IProductLineGrain>(line)
                    .GetStatus(), ct);
                metrics.Record(site, await scores.DriftAsync(new LineContext(line, status, settings), ct));
            }
            catch (Exception e) when (e is not OperationCanceledException) { log.LogWarning(e,
                "drift check of line {Line} failed", line); }
        }
    }
}
