using Reb.Core.Imaging;
using static TorchSharp.torch;

namespace Reb.Core.Tests.Imaging;

public class ImageResizerTests
{
    private static RgbImage Gradient(int w, int h)
    {
        var px = new byte[w * h * 3];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int i = (y * w + x) * 3;
                px[i] = (byte)(255 * x / (w - 1)); px[i + 1] = (byte)(255 * y / (h - 1)); px[i + 2] = 77;
            }
        return new RgbImage(w, h, px);
    }

    [Fact]
    public void ConstantImageStaysConstantAndValuesAreWholeNumbers()
    {
        var img = new RgbImage(300, 200, Enumerable.Repeat((byte)77, 300 * 200 * 3).ToArray());
        using var t = ImageResizer.ResizeRgb(img, 256);
        Assert.Equal(new long[] { 3, 256, 256 }, t.shape);
        Assert.Equal(77f, t.min().item<float>());
        Assert.Equal(77f, t.max().item<float>());
    }

    [Fact]
    public void ShrinkingIsAntialiased()
    {
        // A 1-pixel checkerboard shrunk 4x: antialiasing averages it to mid-grey; point sampling would keep 0/255
        // extremes.
        int n = 1024;
        var px = new byte[n * n * 3];
        for (int y = 0; y < n; y++) for (int x = 0; x < n; x++) px[(y * n + x) * 3] = (byte)(((x + y) & 1) * 255);
        using var t = ImageResizer.ResizeRgb(new RgbImage(n, n, px), 256);
        using var red = t[0];
        Assert.InRange(red.min().item<float>(), 120f, 135f);
        Assert.InRange(red.max().item<float>(), 120f, 135f);
    }

    [Fact]
    public void GradientIsPreservedAndMonotone()
    {
        using var t = ImageResizer.ResizeRgb(Gradient(600, 400), 256);
        using var row = t[0, 128];
        var v = row.data<float>().ToArray();
        for (int i = 1; i < v.Length; i++) Assert.True(v[i] >= v[i - 1], $"not monotone at {i}");
        Assert.InRange(v[0], 0f, 3f);
        Assert.InRange(v[^1], 252f, 255f);
    }

    [Fact]
    public void MaskNearestResize()
    {
        var mask = new bool[4 * 2]; mask[3] = true; // (x=3, y=0)
        var r = ImageResizer.ResizeMaskNearest(mask, 4, 2, 8);
        Assert.True(r[0 * 8 + 6]); Assert.True(r[0 * 8 + 7]); Assert.True(r[3 * 8 + 7]);
        Assert.False(r[4 * 8 + 7]); Assert.False(r[0 * 8 + 5]);
    }
}
