namespace Reb.Core.Imaging;

/// <summary>A decoded 8-bit RGB image, rows top to bottom, pixels interleaved R,G,B.</summary>
public sealed record RgbImage(int Width, int Height, byte[] Pixels)
{
    /// <summary>Where the image came from (a path or a caller-given name); used in messages.</summary>
    public string Source { get; init; } = "";

    public byte this[int y, int x, int c] => Pixels[(y * Width + x) * 3 + c];
}
