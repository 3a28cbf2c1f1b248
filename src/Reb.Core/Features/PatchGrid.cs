namespace Reb.Core.Features;

/// <summary>
/// One image's patch grid (layer2 locations): 32 x 32 for a 256 x 256 input, (H/8) x (W/8) in native-aspect mode. Its
/// rows of patch features are in (y, x) order; the grid travels with them wherever they are scored.
/// </summary>
public readonly record struct PatchGrid(int Height, int Width)
{
    public long Count => (long)Height * Width;

    public static PatchGrid Square(int side) => new(side, side);

    public override string ToString() => $"{Height}x{Width}";
}
