namespace Reb.Core.Datasets;

/// <summary>Which files count as images, and how folders are listed (sorted, hidden files skipped).</summary>
public static class ImageFiles
{
    /// <summary>Extensions the image decoder (SkiaSharp) reads; compared case-insensitively.</summary>
    public static IReadOnlyList<string> SupportedExtensions { get; } =
        [".png", ".jpg", ".jpeg", ".bmp", ".webp", ".gif"];

    /// <summary>Image formats that may appear in datasets but that SkiaSharp cannot decode: reported, never
    /// listed.</summary>
    public static IReadOnlyList<string> UnsupportedExtensions { get; } = [".tif", ".tiff"];

    /// <summary>True when <paramref name="path"/> has a supported image extension.</summary>
    public static bool IsSupported(string path) => HasExtension(path, SupportedExtensions);

    /// <summary>
    /// Full paths of the supported images directly inside <paramref name="folder"/>, in ordinal order of file
    /// names. Hidden files and non-image files (mapping.csv, LICENSE...) are skipped; TIFF files are skipped
    /// with a warning added to <paramref name="warnings"/> when given.
    /// </summary>
    public static IReadOnlyList<string> List(string folder, ICollection<string>? warnings = null)
    {
        var images = new List<string>();
        int tiff = 0;
        foreach (var path in Directory.EnumerateFiles(folder))
        {
            if (IsHidden(path)) continue;
            if (IsSupported(path)) images.Add(path);
            else if (HasExtension(path, UnsupportedExtensions)) tiff++;
        }
        if (tiff > 0)
            warnings?.Add($"{folder}: ignored {tiff} TIFF file(s); the image decoder (SkiaSharp) cannot read TIFF, " +
                "convert them to PNG");
        images.Sort(CompareFileNames);
        return images;
    }

    /// <summary>Names of the non-hidden sub-folders of <paramref name="folder"/>, in ordinal order.</summary>
    public static IReadOnlyList<string> SubfolderNames(string folder)
    {
        var names = Directory.EnumerateDirectories(folder)
            .Where(d => !IsHidden(d))
            .Select(d => Path.GetFileName(d))
            .ToList();
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <summary>Ordinal comparison of file names (not culture-aware, so identical on every machine).</summary>
    public static int CompareFileNames(string a, string b)
        => string.CompareOrdinal(Path.GetFileName(a), Path.GetFileName(b));

    private static bool HasExtension(string path, IReadOnlyList<string> extensions)
    {
        string ext = Path.GetExtension(path);
        foreach (var e in extensions)
            if (string.Equals(ext, e, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    private static bool IsHidden(string path)
    {
        if (Path.GetFileName(path).StartsWith('.')) return true;
        try { return (File.GetAttributes(path) & FileAttributes.Hidden) != 0; }
        catch (IOException) { return false; }
    }
}
