namespace Reb.Core.Imaging;

/// <summary>The resize rule of each mode, and the mode names used on the command line and in model.json.</summary>
public static class ResizeRule
{
    /// <summary>Long sides are rounded to multiples of this: layer3's stride (16) divides it, so both feature layers
    /// tile exactly.</summary>
    public const int LongSideMultiple = 32;

    /// <summary>The resized (height, width) of a width x height image.</summary>
    public static (int Height, int Width) Target(int width, int height, int imageSize, ResizeMode mode)
    {
        if (width <= 0 || height <= 0)
            throw new ArgumentOutOfRangeException(nameof(width), $"invalid image size {width}x{height}");
        if (mode == ResizeMode.Square) return (imageSize, imageSize);
        int shortSide = Math.Min(width, height), longSide = Math.Max(width, height);
        double scaled = (double)longSide * imageSize / shortSide;
        int rounded = (int)Math.Round(scaled / LongSideMultiple, MidpointRounding.AwayFromZero) * LongSideMultiple;
        rounded = Math.Max(rounded, imageSize);
        return width <= height ? (rounded, imageSize) : (imageSize, rounded);
    }

    public static string Name(ResizeMode mode) => mode switch
    {
        ResizeMode.Square => "square",
        ResizeMode.Aspect => "aspect",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown resize mode"),
    };

    /// <summary>Parses a mode name; null or empty (models written before the field existed) is square.</summary>
    public static ResizeMode Parse(string? name) => name switch
    {
        null or "" or "square" => ResizeMode.Square,
        "aspect" => ResizeMode.Aspect,
        _ => throw new ArgumentException($"unknown resize mode '{name}' (square or aspect)", nameof(name)),
    };
}
