namespace Reb.Storage.Inspections;

/// <summary>
/// The one way an inspection enters the history, whoever inspected it (the gateway, or a cluster client through the
/// history grain): its image and overlay first, when the sampling keeps them (every reject, one accept in N), then the
/// row that names them, so that a row never names an image that was not written.
/// </summary>
public sealed class InspectionRecorder(IInspectionHistory history, InspectionImages images, IArtefactStore store)
{
    /// <summary>Writes <paramref name="entry"/> (its image keys are filled in here) with <paramref name="image"/> as
    /// uploaded and its heatmap <paramref name="overlay"/> (null or empty: none).</summary>
    public async Task<InspectionEntry> RecordAsync(InspectionEntry entry, byte[] image, byte[]? overlay,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        string? imageKey = null, overlayKey = null;
        if (image is { Length: > 0 } && images.ShouldStore(entry.Reject))
        {
            imageKey = InspectionImages.ImageKey(entry.Site, entry.Line, entry.Id, entry.TimeUtc, image);
            await store.PutBytesAsync(imageKey, image, ct);
            if (overlay is { Length: > 0 })
            {
                overlayKey = InspectionImages.OverlayKey(entry.Site, entry.Line, entry.Id, entry.TimeUtc);
                await store.PutBytesAsync(overlayKey, overlay, ct);
            }
        }
        var stored = entry with { ImageKey = imageKey, OverlayKey = overlayKey };
        await history.AddAsync(stored, ct);
        return stored;
    }
}
