using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Reb.Storage;

namespace Reb.Gateway.Training;

/// <summary>
/// Deletes uploaded training images once they are older than <see cref="GatewayOptions.UploadRetentionHours"/>, every
/// <see cref="Interval"/>: the backstop. A job deletes its own uploads when it ends (TrainingUploads in Reb.Grains);
/// this sweep catches jobs that never end and starts that failed after storing their uploads. Uploads are only needed
/// while their job runs (and resumes after a silo loss); the batch
/// folder name starts with its upload time ("sites/&lt;site&gt;/uploads/&lt;line&gt;/yyyyMMddHHmmss-&lt;guid&gt;/"), so
/// age is read from the key, with no extra state. Each silo sweeps; deleting an already deleted blob is harmless.
/// </summary>
public sealed class UploadRetention(IServiceProvider services, IOptions<GatewayOptions> options,
    ILogger<UploadRetention> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.UploadRetentionHours <= 0) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try { await SweepAsync(DateTime.UtcNow, stoppingToken); }
            catch (Exception e) when (e is not OperationCanceledException) { logger.LogWarning(e,
                "Upload retention sweep failed; next try in {Interval}", Interval); }
            await Task.Delay(Interval, stoppingToken);
        }
    }

    /// <summary>Deletes uploads older than the retention at <paramref name="nowUtc"/>; returns how many blobs
    /// went.</summary>
    public async Task<int> SweepAsync(DateTime nowUtc, CancellationToken ct = default)
    {
        var store = services.GetService<IArtefactStore>();
        if (store is null) return 0;
        var cutoff = nowUtc - TimeSpan.FromHours(Math.Max(1, options.Value.UploadRetentionHours));
        int deleted = 0;
        foreach (var key in await store.ListAsync(TrainingAreas.Root, ct))
        {
            // sites/<site>/uploads/<line>/<batch>/<file>
            var parts = key.Split('/');
            if (parts.Length != 6 || parts[2] != "uploads" || parts[4].Length < 14) continue;
            if (!DateTime.TryParseExact(parts[4][..14], "yyyyMMddHHmmss", CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var uploaded)) continue;
            if (uploaded < cutoff && await store.DeleteAsync(key, ct)) deleted++;
        }
        if (deleted > 0) logger.LogInformation(
            "Upload retention: deleted {Count} uploaded images older than {Cutoff:u}", deleted, cutoff);
        return deleted;
    }
}
