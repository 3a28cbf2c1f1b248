using SkiaSharp;

namespace Reb.Core.Imaging;

/// <summary>
/// Resizing of pictures for people (overlays at the model's input size, list thumbnails), bilinear through Skia. The
/// model's own input resize is <see cref="ImageResizer"/>, on tensors, and stays the method's.
/// </summary>
public static class ImageScaler
{
    /// <summary><paramref name="image"/> at width x height (itself when it already has that size).</summary>
    public static RgbImage Resize(RgbImage image, int width, int height)
    {
        if (image.Width == width && image.Height == height) return image;
        using var source = ToBitmap(image);
        using var resized = source.Resize(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul),
            new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        return FromBitmap(resized, image.Source);
    }

    /// <summary>A PNG at most <paramref name="maxWidth"/> wide (aspect kept), from PNG bytes.</summary>
    public static byte[] Thumbnail(byte[] png, int maxWidth)
    {
        using var bitmap = SKBitmap.Decode(png) ?? throw new ImageLoadException("thumbnail", "not a PNG");
        int w = Math.Min(maxWidth, bitmap.Width),
            h = Math.Max(1, (int)Math.Round((double)bitmap.Height * w / bitmap.Width));
        using var small =
            bitmap.Resize(new SKImageInfo(w, h), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        using var data = small.Encode(SKEncodedImageFormat.Png, 90);
        return data.ToArray();
    }

    private static SKBitmap ToBitmap(RgbImage image)
    {
        var bitmap =
            new SKBitmap(new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        // Written straight into the bitmap's pixels: an intermediate RGBA array would be one more full-size copy of
        // the upload (4 bytes a pixel) on the inspection path.
        var rgba = bitmap.GetPixelSpan();
        var px = image.Pixels;
        for (int i = 0, j = 0; j < rgba.Length; i += 3, j += 4)
        {
            rgba[j] = px[i]; rgba[j + 1] = px[i + 1]; rgba[j + 2] = px[i + 2]; rgba[j + 3] = 255;
        }
        return bitmap;
    }

    private static RgbImage FromBitmap(SKBitmap bitmap, string source)
    {
        var rgba = bitmap.Bytes;
        var rgb = new byte[bitmap.Width * bitmap.Height * 3];
        for (int i = 0, j = 0; i < rgb.Length; i += 3, j += 4)
        {
            rgb[i] = rgba[j]; rgb[i + 1] = rgba[j + 1]; rgb[i + 2] = rgba[j + 2];
        }
        return new RgbImage(bitmap.Width, bitmap.Height, rgb) { Source = source };
    }
}
