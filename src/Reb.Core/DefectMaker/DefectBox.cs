namespace Reb.Core.DefectMaker;

/// <summary>An axis-aligned box in canvas pixels: left X, top Y, width, height (exclusive ends X+Width,
/// Y+Height).</summary>
public readonly record struct DefectBox(int X, int Y, int Width, int Height)
{
    /// <summary>A box of the given size centred on (centreY, centreX) and moved the least needed to lie inside the
    /// canvas.</summary>
    public static DefectBox CentredClamped(int centreY, int centreX, int width, int height, int canvasHeight,
        int canvasWidth)
    {
        if (width > canvasWidth || height > canvasHeight)
            throw new ArgumentException(
                $"box {width}x{height} does not fit in the {canvasWidth}x{canvasHeight} canvas");
        int x = Math.Clamp(centreX - width / 2, 0, canvasWidth - width);
        int y = Math.Clamp(centreY - height / 2, 0, canvasHeight - height);
        return new DefectBox(x, y, width, height);
    }
}
