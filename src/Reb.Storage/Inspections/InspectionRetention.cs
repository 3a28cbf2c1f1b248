namespace Reb.Storage.Inspections;

/// <summary>What one retention sweep removed: rows past their days, images past the policy, and orphan images (no
/// row names them) with their bytes.</summary>
public sealed record RetentionSweep(int RowsDeleted, int ImagesDeleted, int OrphansDeleted = 0, long OrphanBytes = 0);

/// <summary>
/// Applies every line's retention policy: rows past their days go with their images; past the newest N stored images of
/// unreviewed inspections, the images go and the rows stay (scores remain useful without the picture). Reviewed images
/// are kept until their days end: they are the labelled set that comparisons and bank updates need. Images are deleted
/// before the rows that name them, so a crash mid-sweep leaves at worst a row pointing to a missing image. Images
/// nothing points to (an inspection whose row insert failed after its image was written, rows removed by hand) are
/// found by listing the store's inspection images and asking the history which of them its rows name.
/// </summary>
public sealed class InspectionRetention(IInspectionHistory history, IArtefactStore store,
    InspectionHistorySettings settings)
{
    private const int Batch = 500;

    public async Task<RetentionSweep> SweepAsync(DateTimeOffset now, CancellationToken ct = default)
    {
        int rows = 0, images = 0;
        foreach (var (site, line) in await history.LinesAsync(ct))
        {
            var policy = await history.GetRetentionAsync(site, line, ct) ?? settings.DefaultRetention;
            if (policy.Days > 0)
            {
                var cutoff = now.AddDays(-policy.Days);
                while (true)
                {
                    var old = await history.OlderThanAsync(site, line, cutoff, Batch, ct);
                    if (old.Count == 0) break;
                    images += await DeleteImagesAsync(old, ct);
                    await history.DeleteAsync(site, line, old.Select(e => e.Id).ToList(), ct);
                    rows += old.Count;
                }
            }
            if (policy.MaxStoredImages > 0)
            {
                while (true)
                {
                    var beyond = await history.ImagesBeyondAsync(site, line, policy.MaxStoredImages, Batch, ct);
                    if (beyond.Count == 0) break;
                    images += await DeleteImagesAsync(beyond, ct);
                    await history.ClearImagesAsync(site, line, beyond.Select(e => e.Id).ToList(), ct);
                }
            }
        }
        var (orphans, orphanBytes) = await SweepOrphansAsync(now, ct);
        return new RetentionSweep(rows, images, orphans, orphanBytes);
    }

    private async Task<(int Deleted, long Bytes)> SweepOrphansAsync(DateTimeOffset now, CancellationToken ct)
    {
        var grace = TimeSpan.FromMinutes(Math.Max(0, settings.OrphanGraceMinutes));
        var old = (await store.ListAsync(InspectionImages.Root, ct))
            .Select(InspectionImages.Parse)
            .OfType<StoredImageKey>()
            .Where(k => k.Day.AddDays(1) + grace <= now);
        int deleted = 0;
        long bytes = 0;
        foreach (var lineKeys in old.GroupBy(k => (k.Site, k.Line)))
            foreach (var batch in lineKeys.Chunk(Batch))
            {
                var named = await history.ImageKeysNamedAsync(lineKeys.Key.Site, lineKeys.Key.Line,
                    batch.Select(k => k.Id).ToList(), ct);
                foreach (var k in batch.Where(k => !named.Contains(k.Key)))
                {
                    var size = await store.SizeAsync(k.Key, ct);
                    if (!await store.DeleteAsync(k.Key, ct)) continue;
                    deleted++;
                    bytes += size ?? 0;
                }
            }
        return (deleted, bytes);
    }

    private async Task<int> DeleteImagesAsync(IEnumerable<InspectionEntry> entries, CancellationToken ct)
    {
        int deleted = 0;
        foreach (var e in entries)
            foreach (var key in new[] { e.ImageKey, e.OverlayKey })
                if (key is not null && await store.DeleteAsync(key, ct)) deleted++;
        return deleted;
    }
}
