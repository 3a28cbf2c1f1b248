using Reb.Core.Imaging;
using SkiaSharp;

namespace Reb.Core.Tests.Imaging;

public class ImageLoaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("reb-img-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private static byte[] Png(int w, int h, SKColorType type, Func<int, int, byte> value)
    {
        using var bmp = new SKBitmap(new SKImageInfo(w, h, type, SKAlphaType.Opaque));
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                byte v = value(x, y);
                bmp.SetPixel(x, y, new SKColor(v, (byte)(255 - v), (byte)(v / 2)));
            }
        using var data = bmp.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    [Fact]
    public void DecodesRgbExactly()
    {
        var path = Path.Combine(_dir, "a.png");
        File.WriteAllBytes(path, Png(7, 5, SKColorType.Rgba8888, (x, y) => (byte)(x * 30 + y)));
        var img = ImageLoader.Load(path);
        Assert.Equal((7, 5), (img.Width, img.Height));
        Assert.Equal(3 * 30 + 2, img[2, 3, 0]);
        Assert.Equal(255 - (3 * 30 + 2), img[2, 3, 1]);
        Assert.Equal((3 * 30 + 2) / 2, img[2, 3, 2]);
    }

    [Fact]
    public void GreyImagesBecomeThreeEqualChannels()
    {
        using var bmp = new SKBitmap(new SKImageInfo(4, 3, SKColorType.Gray8, SKAlphaType.Opaque));
        for (int y = 0; y < 3; y++) for (int x = 0; x < 4; x++)
            bmp.SetPixel(x, y, new SKColor((byte)(x * 60), (byte)(x * 60), (byte)(x * 60)));
        using var data = bmp.Encode(SKEncodedImageFormat.Png, 100);
        var img = ImageLoader.Decode(data.ToArray(), "grey");
        for (int x = 0; x < 4; x++)
        {
            Assert.Equal(x * 60, img[1, x, 0]);
            Assert.Equal(img[1, x, 0], img[1, x, 1]);
            Assert.Equal(img[1, x, 0], img[1, x, 2]);
        }
    }

    [Fact]
    public void TruncatedFileIsRefusedNamingTheFile()
    {
        var full = Png(64, 64, SKColorType.Rgba8888, (x, y) => (byte)((x * 7 + y * 13) % 256));
        var path = Path.Combine(_dir, "cut.png");
        File.WriteAllBytes(path, full[..(full.Length / 2)]);
        var e = Assert.Throws<ImageLoadException>(() => ImageLoader.Load(path));
        Assert.Contains("cut.png", e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Theory]
    [InlineData(new byte[0], "empty")]
    [InlineData(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, "not a supported image")]
    public void GarbageIsRefused(byte[] bytes, string reason)
    {
        var e = Assert.Throws<ImageLoadException>(() => ImageLoader.Decode(bytes, "junk.png"));
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void MissingFileAndOversizedImageAreRefused()
    {
        Assert.Contains("not found",
            Assert.Throws<ImageLoadException>(() => ImageLoader.Load(Path.Combine(_dir, "none.png"))).Message);
        var big = Png(40, 30, SKColorType.Rgba8888, (x, y) => 9);
        Assert.Contains("exceeds",
            Assert.Throws<ImageLoadException>(() => ImageLoader.Decode(big, "big", maxPixels: 1000)).Message);
        Assert.Equal((40, 30), ImageLoader.ReadSize(big, "big"));
    }
}
