using SkiaSharp;

namespace Reb.Core.Imaging;

/// <summary>
/// A typeface for captions. The bundled Skia build has no font manager (SKTypeface.Default has no glyphs), so look
/// for a common system font file; null when none is found, and pictures are then drawn without text.
/// </summary>
public static class Fonts
{
    private static readonly Lazy<SKTypeface?> Sans = new(Find);

    public static SKTypeface? Caption => Sans.Value;

    private static SKTypeface? Find()
    {
        if (SKTypeface.Default is { GlyphCount: > 0 } builtin) return builtin;
        string[] candidates =
        [
            "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
            "/usr/share/fonts/dejavu/DejaVuSans.ttf",
            "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
            "/usr/share/fonts/TTF/DejaVuSans.ttf",
            "/System/Library/Fonts/Helvetica.ttc",
            "C:\\Windows\\Fonts\\arial.ttf",
        ];
        foreach (var path in candidates)
            if (File.Exists(path) && SKTypeface.FromFile(path) is { GlyphCount: > 0 } face) return face;
        return null;
    }
}
