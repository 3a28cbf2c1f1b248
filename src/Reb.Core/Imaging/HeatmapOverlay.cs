using SkiaSharp;

namespace Reb.Core.Imaging;

/// <summary>
/// Draws an anomaly map over its image as a PNG: jet colours blended over the picture, a frame coloured by the verdict
/// (red = reject, green = good) and a caption with the score. The colour scale is fixed per model (not per image), so
/// the same colour means the same score on every picture: <paramref name="low"/> maps to blue, the threshold to
/// yellow-green. </summary>
public static class HeatmapOverlay
{
    /// <param name="map">row-major anomaly map at the image's own size (width*height values).</param>
    public static byte[] RenderPng(RgbImage image, float[] map, float low, float high, string caption, bool reject,
        float opacity = 0.45f)
    {
        if (map.Length != image.Width * image.Height)
            throw new ArgumentException($"map has {map.Length} values, image is {image.Width}x{image.Height}");
        int w = image.Width, h = image.Height, frame = Math.Max(3, Math.Min(w, h) / 64);
        int captionH = 22;
        using var bitmap = new SKBitmap(new SKImageInfo(w, h + captionH, SKColorType.Rgba8888, SKAlphaType.Premul));
        float span = Math.Max(high - low, 1e-12f);
        var px = image.Pixels;
        unsafe
        {
            byte* dst = (byte*)bitmap.GetPixels();
            for (int i = 0; i < w * h; i++)
            {
                float v = Math.Clamp((map[i] - low) / span, 0f, 1f);
                Jet(v, out float r, out float g, out float b);
                // Weak evidence stays mostly transparent so the part itself remains readable.
                float a = opacity * (0.25f + 0.75f * v);
                dst[4 * i] = (byte)(px[3 * i] * (1 - a) + r * 255 * a);
                dst[4 * i + 1] = (byte)(px[3 * i + 1] * (1 - a) + g * 255 * a);
                dst[4 * i + 2] = (byte)(px[3 * i + 2] * (1 - a) + b * 255 * a);
                dst[4 * i + 3] = 255;
            }
            for (int i = w * h; i < w * (h + captionH); i++)
            {
                dst[4 * i] = dst[4 * i + 1] = dst[4 * i + 2] = 24; dst[4 * i + 3] = 255;
            }
        }
        using (var canvas = new SKCanvas(bitmap))
        {
            var verdictColour = reject ? new SKColor(220, 30, 30) : new SKColor(30, 170, 60);
            using var stroke = new SKPaint { Color = verdictColour, Style = SKPaintStyle.Stroke, StrokeWidth = frame };
            canvas.DrawRect(frame / 2f, frame / 2f, w - frame, h - frame, stroke);
            using var fill = new SKPaint { Color = verdictColour, Style = SKPaintStyle.Fill };
            canvas.DrawRect(0, h, 8, captionH, fill);
            if (Fonts.Caption is { } face)
            {
                using var font = new SKFont(face, 14);
                using var text = new SKPaint { Color = SKColors.White, IsAntialias = true };
                canvas.DrawText(caption, 12, h + 16, SKTextAlign.Left, font, text);
            }
        }
        using var encoded = bitmap.Encode(SKEncodedImageFormat.Png, 90);
        return encoded.ToArray();
    }

    /// <summary>The classic jet colour map, v in [0,1].</summary>
    public static void Jet(float v, out float r, out float g, out float b)
    {
        r = Math.Clamp(1.5f - Math.Abs(4 * v - 3), 0, 1);
        g = Math.Clamp(1.5f - Math.Abs(4 * v - 2), 0, 1);
        b = Math.Clamp(1.5f - Math.Abs(4 * v - 1), 0, 1);
    }
}
