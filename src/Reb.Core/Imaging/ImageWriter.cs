using SkiaSharp;

namespace Reb.Core.Imaging;

/// <summary>The project's one image encoder.</summary>
public static class ImageWriter
{
    /// <summary>Writes an RGB image as PNG (used by contact sheets and tests that make their own pictures).</summary>
    public static byte[] EncodePng(RgbImage image)
    {
        using var bitmap =
            new SKBitmap(new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        unsafe
        {
            byte* dst = (byte*)bitmap.GetPixels();
            var px = image.Pixels;
            for (int i = 0; i < image.Width * image.Height; i++)
            {
                dst[4 * i] = px[3 * i]; dst[4 * i + 1] = px[3 * i + 1]; dst[4 * i + 2] = px[3 * i + 2];
                dst[4 * i + 3] = 255;
            }
        }
        using var encoded = bitmap.Encode(SKEncodedImageFormat.Png, 90);
        return encoded.ToArray();
    }

    public static void SavePng(RgbImage image, string path) => File.WriteAllBytes(path, EncodePng(image));
}
