using TorchSharp;
using static TorchSharp.torch;

namespace Reb.Core.DefectMaker;

/// <summary>How a shape was drawn: the sampled parameters, kept so tests and sheets can check the
/// distributions.</summary>
/// <param name="AreaFraction">Rect/Clump: the drawn box area fraction (before rounding to whole pixels); Scar:
/// 0.</param> <param name="Aspect">Rect/Clump: the drawn box aspect w/h (before rounding); Scar: 0.</param>
/// <param name="BoxWidth">Box width before rotation (Rect/Clump: the final box; Scar: the unrotated box).</param>
/// <param name="BoxHeight">Box height before rotation.</param>
/// <param name="RotationDegrees">Scar rotation; 0 for the others.</param>
/// <param name="PointCount">Bezier points of the blob.</param>
/// <param name="K">Bezier control-point pull of the blob.</param>
public sealed record ShapeInfo(
    ShapeFamily Family, double AreaFraction, double Aspect, int BoxWidth, int BoxHeight,
    double RotationDegrees, int PointCount, double K);

/// <summary>A shape in its own box: Width x Height bytes, row-major, 1 = inside.</summary>
public sealed record ShapeMask(int Width, int Height, byte[] Pixels, ShapeInfo Info)
{
    public int Area
    {
        get
        {
            int n = 0;
            foreach (var p in Pixels) n += p;
            return n;
        }
    }

    /// <summary>The box-local mask as a float tensor [Height, Width] in {0,1}.</summary>
    public Tensor ToTensor()
    {
        using var scope = NewDisposeScope();
        var t = tensor(Pixels, dtype: ScalarType.Byte).reshape(Height, Width).to(ScalarType.Float32);
        return t.MoveToOuterDisposeScope();
    }

    /// <summary>The shape pasted into an empty canvas at <paramref name="box"/>: float tensor [canvasHeight,
    /// canvasWidth] in {0,1}.</summary>
    public Tensor ToCanvas(DefectBox box, int canvasHeight, int canvasWidth)
    {
        if (box.Width != Width || box.Height != Height)
            throw new ArgumentException($"box {box.Width}x{box.Height} does not match the shape's {Width}x{Height}",
                nameof(box));
        using var scope = NewDisposeScope();
        var canvas = zeros(canvasHeight, canvasWidth);
        canvas.narrow(0, box.Y, Height).narrow(1, box.X, Width).copy_(ToTensor());
        return canvas.MoveToOuterDisposeScope();
    }
}
