using TorchSharp;
using static TorchSharp.torch;

namespace Reb.Core.Imaging;

/// <summary>
/// The method's image resize (spec section 1): bicubic, Keys a=-0.5, antialiased when shrinking, as PIL does for the
/// reference. PIL resamples 8-bit images in two 1-D passes (horizontal, then vertical) and rounds to 8 bits after each;
/// doing the same here keeps our pixels within rounding of the reference's.
/// </summary>
public static class ImageResizer
{
    /// <summary>An image as a float tensor [3,H,W] with values 0..255 (RGB), no resize.</summary>
    public static Tensor ToTensor(RgbImage image)
    {
        using var scope = NewDisposeScope();
        var t = tensor(image.Pixels, dtype: ScalarType.Byte).reshape(image.Height, image.Width, 3)
            .permute(2, 0, 1).to(ScalarType.Float32).contiguous();
        return t.MoveToOuterDisposeScope();
    }

    /// <summary>Resize to size x size like PIL's bicubic resize of an 8-bit image; returns [3,size,size] float
    /// 0..255.</summary>
    public static Tensor ResizeRgb(RgbImage image, int size) => ResizeRgb(image, size, size);

    /// <summary>Resize by a line's rule (<see cref="ResizeRule.Target"/>): [3,H,W] float 0..255, H = W = imageSize in
    /// square mode.</summary>
    public static Tensor ResizeRgb(RgbImage image, int imageSize, ResizeMode mode)
    {
        var (h, w) = ResizeRule.Target(image.Width, image.Height, imageSize, mode);
        return ResizeRgb(image, h, w);
    }

    public static Tensor ResizeRgb(RgbImage image, int height, int width)
    {
        using var scope = NewDisposeScope();
        var t = ToTensor(image).unsqueeze(0);
        t = ResizeTensor(t, height, width);
        return t.squeeze(0).MoveToOuterDisposeScope();
    }

    /// <summary>[N,C,H,W] float 0..255 -> [N,C,height,width], two rounded passes like PIL.</summary>
    public static Tensor ResizeTensor(Tensor batch, int height, int width)
    {
        using var scope = NewDisposeScope();
        var t = batch;
        if (t.shape[3] != width) t = Pass(t, t.shape[2], width);
        if (t.shape[2] != height) t = Pass(t, height, t.shape[3]);
        if (ReferenceEquals(t, batch)) t = batch.clone();
        return t.MoveToOuterDisposeScope();
    }

    private static Tensor Pass(Tensor t, long h, long w) =>
        nn.functional.interpolate(t, new[] { h, w }, mode: InterpolationMode.Bicubic, align_corners: false,
            antialias: true)
            .round_().clamp_(0, 255);

    /// <summary>Nearest-neighbour resize of a mask (spec: masks resized nearest, binarised &gt; 0).</summary>
    public static bool[] ResizeMaskNearest(bool[] mask, int width, int height, int size)
        => ResizeMaskNearest(mask, width, height, size, size);

    /// <summary>Nearest-neighbour resize of a width x height mask to outWidth x outHeight (native-aspect mode's
    /// masks).</summary>
    public static bool[] ResizeMaskNearest(bool[] mask, int width, int height, int outWidth, int outHeight)
    {
        var outMask = new bool[outWidth * outHeight];
        for (int y = 0; y < outHeight; y++)
        {
            // PIL/torch 'nearest': source index = floor(dst * in / out)
            int sy = Math.Min(height - 1, (int)Math.Floor(y * (double)height / outHeight));
            for (int x = 0; x < outWidth; x++)
            {
                int sx = Math.Min(width - 1, (int)Math.Floor(x * (double)width / outWidth));
                outMask[y * outWidth + x] = mask[sy * width + sx];
            }
        }
        return outMask;
    }
}
