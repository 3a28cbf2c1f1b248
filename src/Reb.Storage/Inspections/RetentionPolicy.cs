namespace Reb.Storage.Inspections;

/// <summary>
/// How long a line keeps its history: rows (and their images) older than <see cref="Days"/> are deleted; of the rows
/// younger than that, only the newest <see cref="MaxStoredImages"/> unreviewed ones keep their stored image (the row
/// stays);
/// reviewed images (the line's labelled set: compare-before-promote scores them, a bank update adds them) are not
/// counted and stay until their days end. 0 = no limit.
/// </summary>
public sealed record RetentionPolicy(int Days, int MaxStoredImages)
{
    public void Check()
    {
        if (Days < 0) throw new ArgumentException($"retention days must be 0 (keep for ever) or more, got {Days}");
        if (MaxStoredImages < 0)
            throw new ArgumentException($"maximum stored images must be 0 (no limit) or more, got {MaxStoredImages}");
    }
}
