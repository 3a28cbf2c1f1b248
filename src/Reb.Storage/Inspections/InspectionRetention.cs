namespace Reb.Storage.Inspections;

/// <summary>What one retention sweep removed.</summary>
public sealed record RetentionSweep(int RowsDeleted, int ImagesDeleted);

/// <summary>
/// Applies every line's retention policy: rows past their days go with their images; past the newest N stored images of
/// unreviewed inspections, the images go and the rows stay (scores remain useful without the picture). Reviewed images
/// are kept until their days end: they are the labelled set that comparisons and bank updates need. Images are deleted
/// before
/// the rows that name them, so a crash mid-sweep leaves at worst a row pointing to a missing image, never an image
/// nothing points to.
/// </summary>
public sealed class InspectionRetention(IInspectionHistory history, IArtefactStore store, InspectionHistorySettings settings)
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
        return new RetentionSweep(rows, images);
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
