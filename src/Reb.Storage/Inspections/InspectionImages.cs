namespace Reb.Storage.Inspections;

/// <summary>
/// Which inspections keep their image, and under which artefact-store keys: every reject and one accept in
/// <see cref="InspectionHistorySettings.SampleAcceptsEvery"/> (a counter, not a coin: the share is exact over any run),
/// under <c>inspections/{site}/{line}/{yyyy-MM-dd}/{id}.{ext}</c> with the overlay next to it.
/// </summary>
public sealed class InspectionImages(InspectionHistorySettings settings)
{
    private long _accepts;

    public bool ShouldStore(bool reject)
    {
        if (reject) return true;
        int every = settings.SampleAcceptsEvery;
        if (every <= 0) return false;
        return Interlocked.Increment(ref _accepts) % every == 0;
    }

    public static string Folder(string site, string line) => $"inspections/{site}/{line}/";

    public static string ImageKey(string site, string line, string id, DateTimeOffset at, byte[] image) =>
        $"{Folder(site, line)}{at.UtcDateTime:yyyy-MM-dd}/{id}.{Extension(image)}";

    public static string OverlayKey(string site, string line, string id, DateTimeOffset at) =>
        $"{Folder(site, line)}{at.UtcDateTime:yyyy-MM-dd}/{id}.overlay.png";

    /// <summary>From the bytes, not the client's file name (which may say anything).</summary>
    public static string Extension(ReadOnlySpan<byte> b) =>
        b.Length >= 4 && b[0] == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G' ? "png"
        : b.Length >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF ? "jpg"
        : b.Length >= 2 && b[0] == 'B' && b[1] == 'M' ? "bmp"
        : "img";
}
