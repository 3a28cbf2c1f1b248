using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Reb.Abstractions.Grains;
using Reb.Grains.Placement;

namespace Reb.Grains.Shards;

/// <summary>Every second: this silo's bank report to the cluster's <see cref="IBankMemoryGrain"/>, and the answer
/// (every silo's report) into this silo's <see cref="ClusterBankMemory"/> for placement.</summary>
public sealed class BankMemoryReporter(IGrainFactory grains, SiloBankMemory local, ClusterBankMemory cluster,
    ILogger<BankMemoryReporter> log) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        var registry = grains.GetGrain<IBankMemoryGrain>(0);
        do
        {
            try { cluster.Update(await registry.Report(local.Report()).WaitAsync(stoppingToken)); }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
            // Not started yet, stopping, or the registry's silo just died: the next tick tries again.
            catch (Exception e) { log.LogDebug(e, "bank memory report failed"); }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
