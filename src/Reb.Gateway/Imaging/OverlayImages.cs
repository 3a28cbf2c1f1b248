using Reb.Core.Calibration;
using Reb.Abstractions.Contracts;
using Reb.Core.Models;
using Reb.Core.Imaging;
using Reb.Core.Pipeline;
using SkiaSharp;

namespace Reb.Gateway.Imaging;

/// <summary>
/// Overlay PNGs of an inspection, drawn by the single-process renderer at the model's input size (what the model saw;
/// keeps each kept overlay small) plus a thumbnail for lists.
/// </summary>
public static class OverlayImages
{
    public const int ThumbnailWidth = 96;

    public static (byte[] Overlay, byte[] Thumbnail) Render(RgbImage original, ScoreResult result, ModelVersionInfo model,
        double threshold, bool reject, string name)
    {
        var atModelSize = Resize(original, result.MapWidth, result.MapHeight);
        var scored = new ScoredImage(name, result.Score, reject, result.Map, result.MapSize) { MapHeight = result.MapHeight, MapWidth = result.MapWidth };
        var info = new ThresholdInfo(threshold, model.ThresholdMethod, model.ThresholdQuantile, model.ThresholdMargin, model.GoodMedian, []);
        var overlay = OverlayRenderer.Render(scored, atModelSize, info);
        return (overlay, Thumbnail(overlay));
    }

    private static RgbImage Resize(RgbImage image, int width, int height)
    {
        if (image.Width == width && image.Height == height) return image;
        using var source = ToBitmap(image);
        using var resized = source.Resize(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul),
            new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        return FromBitmap(resized, image.Source);
    }

    private static byte[] Thumbnail(byte[] png)
    {
        using var bitmap = SKBitmap.Decode(png);
        int w = Math.Min(ThumbnailWidth, bitmap.Width), h = Math.Max(1, (int)Math.Round((double)bitmap.Height * w / bitmap.Width));
        using var small = bitmap.Resize(new SKImageInfo(w, h), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        using var data = small.Encode(SKEncodedImageFormat.Png, 90);
        return data.ToArray();
    }

    private static SKBitmap ToBitmap(RgbImage image)
    {
        var bitmap = new SKBitmap(new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
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
