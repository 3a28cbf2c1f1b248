using Reb.Core.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace Reb.Core.DefectMaker;

/// <summary>The three shape families of section 4, each drawn in its own box (place it with <see
/// cref="ShapeMask.ToCanvas"/>).</summary>
public sealed class ShapeMaker(ShapeOptions? options = null)
{
    /// <summary>Clump draws whose grid-and-blob intersection is empty are redrawn (the reference retries failed makers
    /// too).</summary>
    private const int MaxClumpAttempts = 50;

    public ShapeOptions Options { get; } = options ?? new ShapeOptions();

    public ShapeMask Make(ShapeFamily family, Random rng, int canvasSize) => family switch
    {
        ShapeFamily.Rect => BezierRect(rng, canvasSize),
        ShapeFamily.Scar => BezierRectScar(rng),
        ShapeFamily.Clump => BezierClump(rng, canvasSize),
        _ => throw new ArgumentOutOfRangeException(nameof(family), family, "unknown shape family"),
    };

    /// <summary>A Bezier blob that fills a box of random area and aspect.</summary>
    public ShapeMask BezierRect(Random rng, int canvasSize)
    {
        var (w, h, area, aspect) = RectBox(rng, canvasSize, Options.RectAreaFraction, Options.RectMaxAspect);
        int n = rng.Choice(Options.BlobPointCounts);
        double k = rng.Choice(BezierBlob.KChoices);
        var outline = BezierBlob.ScaleToBox(BezierBlob.Outline(rng, n, k), w, h);
        var pixels = Rasterise(outline, w, h);
        return new ShapeMask(w, h, pixels, new ShapeInfo(ShapeFamily.Rect, area, aspect, w, h, 0, n, k));
    }

    /// <summary>A thin Bezier blob in a small box, rotated, cropped to its content.</summary>
    public ShapeMask BezierRectScar(Random rng)
    {
        int w = rng.IntInclusive(Options.ScarWidth.Min, Options.ScarWidth.Max);
        int h = rng.IntInclusive(Options.ScarHeight.Min, Options.ScarHeight.Max);
        int degrees = rng.IntInclusive(-Options.ScarMaxRotationDegrees, Options.ScarMaxRotationDegrees);
        int n = rng.Choice(Options.BlobPointCounts);
        double k = rng.Choice(BezierBlob.KChoices);
        var (xs, ys) = BezierBlob.ScaleToBox(BezierBlob.Outline(rng, n, k), w, h);
        // Rotate the outline itself (not a raster of it), so nothing is lost to resampling; the new box is its extent.
        double a = degrees * Math.PI / 180, cos = Math.Cos(a), sin = Math.Sin(a);
        double cx = (w - 1) / 2.0, cy = (h - 1) / 2.0;
        var rx = new double[xs.Length];
        var ry = new double[ys.Length];
        for (int i = 0; i < xs.Length; i++)
        {
            rx[i] = cx + (xs[i] - cx) * cos - (ys[i] - cy) * sin;
            ry[i] = cy + (xs[i] - cx) * sin + (ys[i] - cy) * cos;
        }
        double minX = rx.Min(), minY = ry.Min();
        for (int i = 0; i < rx.Length; i++) { rx[i] -= minX; ry[i] -= minY; }
        int bw = (int)Math.Floor(rx.Max()) + 1, bh = (int)Math.Floor(ry.Max()) + 1;
        var pixels = Rasterise((rx, ry), bw, bh);
        return new ShapeMask(bw, bh, pixels, new ShapeInfo(ShapeFamily.Scar, 0, 0, w, h, degrees, n, k));
    }

    /// <summary>A coarse thresholded random grid AND-ed with a Bezier blob, in a Rect-like box of aspect up to
    /// 3.</summary>
    public ShapeMask BezierClump(Random rng, int canvasSize)
    {
        for (int attempt = 0; attempt < MaxClumpAttempts; attempt++)
        {
            var (w, h, area, aspect) = RectBox(rng, canvasSize, Options.RectAreaFraction, Options.ClumpMaxAspect);
            var grid = ClumpGrid(rng, w, h);
            int n = rng.Choice(Options.ClumpPointCounts);
            double k = rng.Choice(BezierBlob.KChoices);
            var blob = Rasterise(BezierBlob.ScaleToBox(BezierBlob.Outline(rng, n, k), w, h), w, h);
            int count = 0;
            for (int i = 0; i < blob.Length; i++)
            {
                blob[i] &= grid[i];
                count += blob[i];
            }
            if (count > 0)
                return new ShapeMask(w, h, blob, new ShapeInfo(ShapeFamily.Clump, area, aspect, w, h, 0, n, k));
        }
        throw new InvalidOperationException($"BezierClump: {MaxClumpAttempts} draws in a row gave an empty clump; " +
            "check ShapeOptions' clump values and threshold");
    }

    /// <summary>Box of a random area fraction and log-uniform aspect, rounded to pixels and kept inside the canvas
    /// (the reference's rule: round sqrt(area*aspect) and sqrt(area/aspect)).</summary>
    public static (int Width, int Height, double AreaFraction, double Aspect) RectBox(
        Random rng, int canvasSize, (double Min, double Max) areaFraction, double maxAspect)
    {
        double fraction = rng.Uniform(areaFraction.Min, areaFraction.Max);
        double area = fraction * canvasSize * canvasSize;
        double aspect = rng.LogUniformRatio(maxAspect);
        int w = (int)Math.Round(Math.Sqrt(area * aspect));
        int h = (int)Math.Round(Math.Sqrt(area / aspect));
        if (w > canvasSize) { w = canvasSize; h = (int)Math.Round(area / w); }
        if (h > canvasSize) { h = canvasSize; w = (int)Math.Round(area / h); }
        return (Math.Max(w, 2), Math.Max(h, 2), fraction, aspect);
    }

    /// <summary>The clump's coarse grid: uniform integers per cell, bicubic-upsampled (PIL-like) to w x h,
    /// thresholded.</summary>
    private byte[] ClumpGrid(Random rng, int w, int h)
    {
        double cell = rng.Uniform(Options.ClumpCellSize.Min, Options.ClumpCellSize.Max);
        double cellAspect = rng.LogUniformRatio(Options.ClumpCellMaxAspect);
        int gw = Math.Max((int)(w / cell * cellAspect), 1);
        int gh = Math.Max((int)(h / cell / cellAspect), 1);
        var values = new float[gw * gh];
        for (int i = 0; i < values.Length; i++)
            values[i] = rng.Next(Options.ClumpValueLow, Options.ClumpValueHighExclusive);
        using var scope = NewDisposeScope();
        var up = ImageResizer.ResizeTensor(tensor(values).reshape(1, 1, gh, gw), h, w);
        var above = up.gt(Options.ClumpThreshold).to(ScalarType.Byte).reshape(-1);
        return above.data<byte>().ToArray();
    }

    private static byte[] Rasterise((double[] X, double[] Y) outline, int w, int h)
    {
        // Truncate to whole pixels like the reference (astype(int)); coordinates are >= 0 so this is floor.
        var xs = outline.X.Select(v => Math.Min(w - 1, (int)v)).ToArray();
        var ys = outline.Y.Select(v => Math.Min(h - 1, (int)v)).ToArray();
        return PolygonRasterizer.Fill(xs, ys, w, h);
    }
}
