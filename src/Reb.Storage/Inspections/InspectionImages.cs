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

    /// <summary>The folder of every site's stored inspection images.</summary>
    public const string Root = "inspections/";

    public static string Folder(string site, string line) => $"{Root}{site}/{line}/";

    /// <summary>Site, line, day and inspection id of a key this class made; null for any other key.</summary>
    public static StoredImageKey? Parse(string key)
    {
        var parts = key.Split('/');
        if (parts.Length != 5 || parts[0] + "/" != Root) return null;
        if (!DateTime.TryParseExact(parts[3], "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AdjustToUniversal
                | System.Globalization.DateTimeStyles.AssumeUniversal, out var day)) return null;
        var dot = parts[4].IndexOf('.');
        if (dot <= 0) return null;
        return new StoredImageKey(key, parts[1], parts[2], new DateTimeOffset(day, TimeSpan.Zero), parts[4][..dot]);
    }

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

/// <summary>A stored inspection image's key taken apart: <see cref="Day"/> is the UTC day it was written on.</summary>
public sealed record StoredImageKey(string Key, string Site, string Line, DateTimeOffset Day, string Id);
