using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Reb.Grains.Diagnostics;
using Reb.Storage;

namespace Reb.Grains.Training;

/// <summary>
/// The backstop for training checkpoints: a job deletes its <c>jobs/&lt;id&gt;/</c> when it ends, however it ends, but
/// when the store is unreachable at that moment they stay. Every <see cref="Interval"/> each silo lists
/// <c>jobs/</c> and deletes the checkpoints of every job whose grain says it has ended; a running job, or an id no
/// grain knows (its state lost), keeps its files. Deleting what another silo's sweep already deleted is harmless.
/// </summary>
public sealed class CheckpointRetention(IGrainFactory grains, IArtefactStore store, ILogger<CheckpointRetention> logger)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);
    /// <summary>The first sweep waits this long after start-up (a silo that starts is busy enough).</summary>
    public static readonly TimeSpan FirstDelay = TimeSpan.FromMinutes(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try { await Task.Delay(FirstDelay, stoppingToken); }
        catch (OperationCanceledException) { return; }
        while (!stoppingToken.IsCancellationRequested)
        {
            try { await SweepAsync(stoppingToken); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Checkpoint retention sweep failed; next try in {Interval}", Interval);
            }
            try { await Task.Delay(Interval, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>Deletes the checkpoints of ended jobs; returns the files and bytes deleted (also counted in the
    /// retention totals and /metrics).</summary>
    public async Task<(int Files, long Bytes)> SweepAsync(CancellationToken ct = default)
    {
        var jobs = (await store.ListAsync(TrainingBlobs.Root, ct))
            .Select(TrainingBlobs.JobIdOf)
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .ToList();
        int files = 0;
        long bytes = 0;
        foreach (var jobId in jobs)
        {
            ct.ThrowIfCancellationRequested();
            var progress = await grains.GetGrain<ITrainingGrain>(jobId).GetProgress();
            if (!progress.IsFinished) continue;
            var (f, b) = await TrainingBlobs.DeleteAllAsync(store, jobId);
            files += f;
            bytes += b;
            if (f > 0) logger.LogInformation(
                "Checkpoint retention: deleted {Count} checkpoints ({Bytes} bytes) of ended job {Job}", f, b, jobId);
        }
        if (files > 0)
            await RetentionRecorder.RecordAsync(grains,
                new RetentionTotals { CheckpointFiles = files, CheckpointBytes = bytes }, logger);
        return (files, bytes);
    }
}
