using SkiaSharp;

namespace Reb.Core.Imaging;

/// <summary>
/// The project's one image decoder (SkiaSharp: PNG, JPEG, BMP, WebP, GIF). Grey and palette images come out as
/// 3 equal channels; alpha is dropped. Truncated or corrupt files raise <see cref="ImageLoadException"/> naming
/// the file, never a half-decoded image.
/// </summary>
public static class ImageLoader
{
    /// <summary>Refuse images larger than this many pixels before decoding them (read from the header).</summary>
    public const long DefaultMaxPixels = 64L * 1024 * 1024;

    public static readonly IReadOnlySet<string> SupportedExtensions =
        new HashSet<string>(StringComparer.OrdinalIgnoreCase) { ".png", ".jpg", ".jpeg", ".bmp", ".webp", ".gif" };

    public static RgbImage Load(string path, long maxPixels = DefaultMaxPixels)
    {
        if (!File.Exists(path)) throw new ImageLoadException(path, "file not found");
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) { throw new ImageLoadException(path, e.Message, e); }
        return Decode(bytes, path, maxPixels);
    }

    /// <summary>Reads only the header: width and height, or an exception if it is not a decodable image.</summary>
    public static (int Width, int Height) ReadSize(ReadOnlySpan<byte> bytes, string source)
    {
        if (ImageHeaderProbe.Probe(bytes, source) is { } header) return (header.Width, header.Height);
        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data) ?? throw new ImageLoadException(source,
            "not a supported image (PNG, JPEG, BMP, WebP, GIF) or the header is corrupt");
        return (codec.Info.Width, codec.Info.Height);
    }

    public static RgbImage Decode(ReadOnlySpan<byte> bytes, string source, long maxPixels = DefaultMaxPixels)
    {
        if (bytes.Length == 0) throw new ImageLoadException(source, "empty file");
        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data)
            ?? throw new ImageLoadException(source,
                "not a supported image (PNG, JPEG, BMP, WebP, GIF) or the header is corrupt");
        int w = codec.Info.Width, h = codec.Info.Height;
        if (w <= 0 || h <= 0) throw new ImageLoadException(source, $"invalid size {w}x{h}");
        if ((long)w * h > maxPixels)
            throw new ImageLoadException(source, $"{w}x{h} = {(long)w * h} pixels exceeds the limit of {maxPixels}");

        var info = new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var rgba = new byte[info.BytesSize];
        SKCodecResult result;
        unsafe
        {
            fixed (byte* p = rgba) result = codec.GetPixels(info, (IntPtr)p);
        }
        // IncompleteInput = truncated file: Skia fills the rest with zeros, which would silently corrupt scores.
        if (result != SKCodecResult.Success)
            throw new ImageLoadException(source, result == SKCodecResult.IncompleteInput
                ? "the file is truncated (incomplete image data)"
                : $"decoding failed ({result})");

        var rgb = new byte[w * h * 3];
        for (int i = 0, j = 0; i < rgb.Length; i += 3, j += 4)
        {
            rgb[i] = rgba[j]; rgb[i + 1] = rgba[j + 1]; rgb[i + 2] = rgba[j + 2];
        }
        return new RgbImage(w, h, rgb) { Source = source };
    }

    /// <summary>Loads a mask: any non-zero pixel (in any channel) is defect. Returns row-major bools.</summary>
    public static bool[] LoadMask(string path, out int width, out int height)
    {
        var img = Load(path);
        width = img.Width; height = img.Height;
        var mask = new bool[img.Width * img.Height];
        var px = img.Pixels;
        for (int i = 0; i < mask.Length; i++) mask[i] = (px[3 * i] | px[3 * i + 1] | px[3 * i + 2]) != 0;
        return mask;
    }
}
