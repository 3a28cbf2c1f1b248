using Reb.Core.Imaging;
using Reb.Core.Tests.TestSupport;
using static TorchSharp.torch;

namespace Reb.Core.Tests.Imaging;

/// <summary>The native-aspect resize rule: short side = ImageSize, long side by the same factor to the nearest multiple
/// of 32, never below ImageSize.</summary>
public class ResizeRuleTests
{
    [Theory]
    [InlineData(1250, 500, 256, 640)]   // a steel strip: 640 exactly
    [InlineData(218, 273, 320, 256)]    // magnetic_tile: portrait, 320.6 -> 320
    [InlineData(603, 248, 256, 608)]    // 622.5 -> 608 (19.45 x 32)
    [InlineData(300, 290, 256, 256)]    // 264.8 rounds to 256: never below the short side
    [InlineData(256, 256, 256, 256)]
    [InlineData(272, 256, 256, 288)]    // 8.5 x 32: halves round away from zero
    [InlineData(100, 1000, 2560, 256)]
    public void Aspect_RoundsTheLongSideToTheNearestMultipleOf32(int width, int height, int expectedHeight,
        int expectedWidth)
    {
        Assert.Equal((expectedHeight, expectedWidth), ResizeRule.Target(width, height, 256, ResizeMode.Aspect));
        Assert.Equal((256, 256), ResizeRule.Target(width, height, 256, ResizeMode.Square));
    }

    [Fact]
    public void Aspect_KeepsTheShortSide_AndTheRatioWithinHalfAStep_ForEverySize()
    {
        for (int w = 40; w <= 1600; w += 37)
            for (int h = 40; h <= 1600; h += 41)
            {
                var (th, tw) = ResizeRule.Target(w, h, 256, ResizeMode.Aspect);
                int shortOut = Math.Min(th, tw), longOut = Math.Max(th, tw);
                Assert.Equal(256, shortOut);
                Assert.Equal(0, longOut % 32);
                Assert.True(longOut >= 256, $"{w}x{h} -> {tw}x{th}");
                double exact = (double)Math.Max(w, h) * 256 / Math.Min(w, h);
                Assert.True(Math.Abs(longOut - Math.Max(exact, 256)) <= 16,
                    $"{w}x{h} -> {tw}x{th}, exact long side {exact}");
                // The long side stays the long side.
                if (w > h) Assert.True(tw >= th, $"{w}x{h} -> {tw}x{th}");
                if (h > w) Assert.True(th >= tw, $"{w}x{h} -> {tw}x{th}");
            }
    }

    [Fact]
    public void Prepare_OnARealImage_GivesTheRuleSize_AndSquareModeIsTheOldResizeBitForBit()
    {
        var strip = AspectSamples.Strip(Directory.GetFiles(AspectSamples.SampleFolder(), "*.png").Order().First(), 250);
        var source = ImageSource.FromBytes("strip.png", ImageWriter.EncodePng(strip));
        using var scope = NewDisposeScope();
        var (_, aspect) = source.Prepare(256, ResizeMode.Aspect);
        Assert.Equal(new long[] { 3, 256, 640 }, aspect.shape);          // 640 x 250 -> 655.4 -> 640 x 256
        // The same antialiased two-pass bicubic as square mode, only to another size.
        Assert.True(Bitwise.Same(aspect, ImageResizer.ResizeRgb(strip, 256, 640)));
        var (_, square) = source.Prepare(256, ResizeMode.Square);
        Assert.True(Bitwise.Same(square, ImageResizer.ResizeRgb(strip, 256)));
        Assert.False(Bitwise.Same(aspect.narrow(2, 0, 256), square));
    }

    [Fact]
    public void Auto_PicksAspectOnlyForElongatedImagesThatNeedNoUpsampling()
    {
        // A steel-strip line: long and large.
        Assert.Equal(ResizeMode.Aspect, ResizeChoice.Choose([(1250, 500), (1260, 498), (1244, 502)], 256));
        // magnetic_tile-like: mildly elongated, short sides around 250 (aspect measured worse there): square.
        Assert.Equal(ResizeMode.Square,
            ResizeChoice.Choose([(218, 273), (603, 248), (494, 361), (256, 369), (598, 259)], 256));
        // Elongated but small (would be upsampled): square. Square boards: square.
        Assert.Equal(ResizeMode.Square, ResizeChoice.Choose([(400, 120), (410, 118), (395, 121)], 256));
        Assert.Equal(ResizeMode.Square, ResizeChoice.Choose([(640, 640), (640, 640)], 256));
        Assert.Equal(ResizeMode.Square, ResizeChoice.Choose([], 256));
    }

    [Fact]
    public void Auto_OnRealFiles_ReadsTheirHeaders()
    {
        var dir = Directory.CreateTempSubdirectory("reb-auto-").FullName;
        try
        {
            var strips = AspectSamples.Write(dir, "a", 3, [250]);   // 640 x 250: ratio 2.56, short side 250
            Assert.Equal(ResizeMode.Aspect, ResizeChoice.Resolve("auto", strips, 128));
            Assert.Equal(ResizeMode.Square, ResizeChoice.Resolve("auto", strips, 256)); // 250 < 256 would be upsampled
            Assert.Equal(ResizeMode.Aspect, ResizeChoice.Resolve("aspect", strips, 256));
            Assert.Equal(ResizeMode.Square, ResizeChoice.Resolve("square", strips, 128));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ModeNames_RoundTrip_AndAbsentIsSquare()
    {
        Assert.Equal(ResizeMode.Square, ResizeRule.Parse(null));
        Assert.Equal(ResizeMode.Square, ResizeRule.Parse(""));
        Assert.Equal(ResizeMode.Aspect, ResizeRule.Parse(ResizeRule.Name(ResizeMode.Aspect)));
        Assert.Throws<ArgumentException>(() => ResizeRule.Parse("tile"));
    }
}
