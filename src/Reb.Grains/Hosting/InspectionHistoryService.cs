using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Reb.Abstractions.Contracts;
using Reb.Grains.Diagnostics;
using Reb.Storage.Inspections;

namespace Reb.Grains.Hosting;

/// <summary>
/// The history's life in a silo: at start the schema is created (or found) and a database that cannot be reached stops
/// the silo's start-up with the database named (a silo that answers inspections it cannot record would lose them); then
/// a retention sweep every <see cref="InspectionHistorySettings.SweepMinutes"/>.
/// </summary>
public sealed class InspectionHistoryService(IInspectionHistory history, InspectionRetention retention,
    InspectionHistorySettings settings,
    IGrainFactory grains, ILogger<InspectionHistoryService> log) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await history.EnsureSchemaAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new InvalidOperationException(
                $"the inspection history ({history.Description}) cannot be opened: {e.GetBaseException().Message}. " +
                "Check Reb:History (Kind, Path / ConnectionString) and that the database is running.", e);
        }
        log.LogInformation("inspection history: {History}", history.Description);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (settings.SweepMinutes <= 0) return;
        var period = TimeSpan.FromMinutes(settings.SweepMinutes);
        using var timer = new PeriodicTimer(period);
        do
        {
            try
            {
                var sweep = await retention.SweepAsync(DateTimeOffset.UtcNow, stoppingToken);
                if (sweep.RowsDeleted + sweep.ImagesDeleted + sweep.OrphansDeleted > 0)
                    log.LogInformation("inspection retention: {Rows} rows, {Images} images and {Orphans} orphan " +
                        "images ({Bytes} bytes) deleted",
                        sweep.RowsDeleted, sweep.ImagesDeleted, sweep.OrphansDeleted, sweep.OrphanBytes);
                if (sweep.OrphansDeleted > 0)
                    await RetentionRecorder.RecordAsync(grains,
                        new RetentionTotals { OrphanImages = sweep.OrphansDeleted,
                            OrphanImageBytes = sweep.OrphanBytes }, log);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A failed sweep is retried at the next tick; it must not stop the silo.
                log.LogWarning(e, "inspection retention sweep failed");
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
