using Reb.Core.Imaging;
using SkiaSharp;

namespace Reb.Gateway.Tests.Api;

/// <summary>The header probe reads the same size as the decoder for PNG, JPEG and BMP, and refuses broken
/// headers.</summary>
public sealed class ImageHeaderProbeTests
{
    [Theory]
    [InlineData(SKEncodedImageFormat.Png, 37, 21)]
    [InlineData(SKEncodedImageFormat.Jpeg, 37, 21)]
    [InlineData(SKEncodedImageFormat.Jpeg, 640, 3)]
    public void Probe_reads_the_size_of_encoded_images(SKEncodedImageFormat format, int width, int height)
    {
        using var bitmap = new SKBitmap(width, height);
        bitmap.Erase(SKColors.Teal);
        using var data = bitmap.Encode(format, 90);
        var bytes = data.ToArray();
        var header = ImageHeaderProbe.Probe(bytes, "x");
        Assert.NotNull(header);
        Assert.Equal((width, height), (header.Value.Width, header.Value.Height));
        Assert.Equal(ImageLoader.ReadSize(bytes, "x"), (header.Value.Width, header.Value.Height));
    }

    [Fact]
    public void Probe_reads_a_bmp_header_with_top_down_rows()
    {
        var bmp = new byte[54];
        bmp[0] = (byte)'B'; bmp[1] = (byte)'M';
        BitConverter.GetBytes(40).CopyTo(bmp, 14);
        BitConverter.GetBytes(300).CopyTo(bmp, 18);
        BitConverter.GetBytes(-200).CopyTo(bmp, 22);
        Assert.Equal(new ImageHeader("bmp", 300, 200), ImageHeaderProbe.Probe(bmp, "x"));
    }

    [Fact]
    public void Truncated_or_invalid_headers_are_refused_and_unknown_formats_left_to_the_decoder()
    {
        var png = InspectTests.PngHeader(10, 10);
        Assert.Contains("truncated",
            Assert.Throws<ImageLoadException>(() => ImageHeaderProbe.Probe(png[..20], "p")).Message);
        Assert.Contains("invalid size",
            Assert.Throws<ImageLoadException>(() => ImageHeaderProbe.Probe(InspectTests.PngHeader(0, 5), "p")).Message);
        Assert.Contains("truncated", Assert.Throws<ImageLoadException>(()
            => ImageHeaderProbe.Probe([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10], "j")).Message);
        Assert.Null(ImageHeaderProbe.Probe("GIF89a"u8.ToArray(), "g"));
    }
}
