namespace Reb.Core.DefectMaker;

/// <summary>Everything the defect sampler can vary; the defaults are the reference configuration of section
/// 4.</summary>
public sealed record DefectMakerOptions
{
    /// <summary>Side of the square canvas the images are resized to (section 1: 256). Scar sizes are absolute
    /// pixels.</summary>
    public int ImageSize { get; init; } = 256;

    /// <summary>
    /// How source images are resized: square ImageSize x ImageSize (the method), or native aspect (short side
    /// ImageSize,
    /// <see cref="Imaging.ResizeRule"/>), so that defects painted for a native-aspect line's calibration lie on its own
    /// geometry. Shape sizes are drawn for an ImageSize canvas in both modes, i.e. the same pixels per defect.
    /// </summary>
    public Imaging.ResizeMode Resize { get; init; } = Imaging.ResizeMode.Square;

    public Placement Placement { get; init; } = Placement.Foreground;
    public ShapeOptions Shapes { get; init; } = new();
    public ForegroundOptions Foreground { get; init; } = new();

    /// <summary>Colour jitter of the fill (brightness, contrast, saturation and hue alike).</summary>
    public double FillJitter { get; init; } = ColorJitter.ReferenceStrength;

    /// <summary>Probability of the soft (eroded + blurred) alpha instead of the binary mask.</summary>
    public double SoftAlphaProbability { get; init; } = 0.5;

    /// <summary>Erosion/blur kernel size of the soft alpha per shape family.</summary>
    public int RectSoftKernel { get; init; } = 5;
    public int ScarSoftKernel { get; init; } = 3;
    public int ClumpSoftKernel { get; init; } = 3;

    /// <summary>Clump alpha is scaled by a factor uniform in this range (other shapes: 1).</summary>
    public (double Min, double Max) ClumpAlphaScale { get; init; } = (0.5, 1.0);

    internal void Validate()
    {
        if (ImageSize < 32) throw new ArgumentOutOfRangeException(nameof(ImageSize), ImageSize,
            "the canvas must be at least 32 pixels (scars are up to 30 px)");
        if (SoftAlphaProbability is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(SoftAlphaProbability),
            SoftAlphaProbability, "must be a probability");
        if (FillJitter is < 0 or > 0.5)
            throw new ArgumentOutOfRangeException(nameof(FillJitter), FillJitter, "must be in [0, 0.5]");
        if (ClumpAlphaScale.Min < 0 || ClumpAlphaScale.Max > 1 || ClumpAlphaScale.Min > ClumpAlphaScale.Max)
            throw new ArgumentOutOfRangeException(nameof(ClumpAlphaScale), ClumpAlphaScale,
                "must be a range within [0,1]");
    }

    internal int SoftKernel(ShapeFamily family) => family switch
    {
        ShapeFamily.Rect => RectSoftKernel,
        ShapeFamily.Scar => ScarSoftKernel,
        _ => ClumpSoftKernel,
    };
}
