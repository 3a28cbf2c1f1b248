namespace Reb.Core.DefectMaker;

/// <summary>Shape parameters of section 4; the defaults are the reference configuration for a 256x256 canvas.</summary>
public sealed record ShapeOptions
{
    /// <summary>BezierRect box area as a fraction of the canvas, drawn uniformly.</summary>
    public (double Min, double Max) RectAreaFraction { get; init; } = (0.02, 0.15);

    /// <summary>BezierRect box aspect (w/h) is log-uniform in [1/x, x].</summary>
    public double RectMaxAspect { get; init; } = 3.3;

    /// <summary>Bezier point counts for Rect and Scar blobs (reference range(5,7)).</summary>
    public IReadOnlyList<int> BlobPointCounts { get; init; } = [5, 6];

    /// <summary>Bezier point counts for Clump blobs (reference range(5,10)).</summary>
    public IReadOnlyList<int> ClumpPointCounts { get; init; } = [5, 6, 7, 8, 9];

    /// <summary>Scar box width and height before rotation, integers, both ends inclusive.</summary>
    public (int Min, int Max) ScarWidth { get; init; } = (7, 21);
    public (int Min, int Max) ScarHeight { get; init; } = (15, 30);

    /// <summary>Scar rotation in whole degrees, uniform in [-x, x] (the reference draws integers).</summary>
    public int ScarMaxRotationDegrees { get; init; } = 45;

    /// <summary>Clump box aspect is log-uniform in [1/x, x]; its area uses <see cref="RectAreaFraction"/>.</summary>
    public double ClumpMaxAspect { get; init; } = 3.0;

    /// <summary>Clump grid cell size in pixels, uniform (continuous).</summary>
    public (double Min, double Max) ClumpCellSize { get; init; } = (5, 7);

    /// <summary>Clump grid cell aspect is log-uniform in [1/x, x].</summary>
    public double ClumpCellMaxAspect { get; init; } = 2.0;

    /// <summary>Clump grid values are integers uniform in [Low, HighExclusive); a pixel is in the clump where the
    /// bicubic-upsampled grid exceeds <see cref="ClumpThreshold"/>.</summary>
    public int ClumpValueLow { get; init; } = 77;
    public int ClumpValueHighExclusive { get; init; } = 178;
    public double ClumpThreshold { get; init; } = 138;
}
