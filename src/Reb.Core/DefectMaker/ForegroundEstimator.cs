using TorchSharp;
using static TorchSharp.torch;

namespace Reb.Core.DefectMaker;

/// <summary>Result of <see cref="ForegroundEstimator.Estimate"/>.</summary>
/// <param name="Mask">float [H,W] in {0,1}; all ones when <paramref name="IsWholeImage"/>.</param>
/// <param name="RawFraction">Fraction of pixels the colour test marked as foreground (after the opening), before any
/// fallback.</param>
/// <param name="IsWholeImage">True when the estimate fell back to the whole image (tiny or huge foreground: a
/// texture).</param>
public sealed record ForegroundMask(Tensor Mask, double RawFraction, bool IsWholeImage) : IDisposable
{
    public void Dispose() => Mask.Dispose();
}

/// <summary>Parameters of the foreground estimate; defaults are tuned for 256x256 images.</summary>
public sealed record ForegroundOptions
{
    /// <summary>Width of the image-border band whose colours are taken as background, as a fraction of the image
    /// side.</summary>
    public double BorderFraction { get; init; } = 1.0 / 16;

    /// <summary>Side of the box filter applied first, so sensor noise and fine texture do not become
    /// foreground.</summary>
    public int SmoothKernel { get; init; } = 5;

    /// <summary>A pixel is foreground when its colour lies farther from the border mean than this many border RMS
    /// deviations ...</summary>
    public double BorderSigmas { get; init; } = 3.0;

    /// <summary>... and farther than this many grey levels (Euclidean RGB), so a perfectly flat border does not make
    /// every faint shading foreground.</summary>
    public double MinContrast { get; init; } = 12.0;

    /// <summary>Side of the square structuring element of the morphological opening that removes specks.</summary>
    public int OpeningKernel { get; init; } = 5;

    /// <summary>Fall back to the whole image below this foreground fraction (nothing stands out: a texture)
    /// ...</summary>
    public double MinFraction { get; init; } = 0.02;

    /// <summary>... or above it (the "object" covers nearly everything: treat as a texture too).</summary>
    public double MaxFraction { get; init; } = 0.95;
}

/// <summary>
/// A deterministic stand-in for the reference's saliency network: the background is what the image border looks like.
/// Steps: box-smooth the image; take the mean colour of a border band and the RMS distance of the band's pixels from
/// it; mark pixels whose colour, raw and smoothed, is farther than max(BorderSigmas * RMS, MinContrast) from the border
/// mean; clean with a
/// morphological opening; if the result covers less than 2% or more than 95% of the image, use the whole image.
/// Object categories on a plain background (bottle, screw, ...) get their object; textures, whose border looks like
/// their middle, fall back to the whole image, as the method wants.
/// </summary>
public static class ForegroundEstimator
{
    /// <param name="image">float [3,H,W], values 0..255.</param>
    public static ForegroundMask Estimate(Tensor image, ForegroundOptions? options = null)
    {
        var o = options ?? new ForegroundOptions();
        if (image.dim() != 3 || image.shape[0] != 3)
            throw new ArgumentException($"image must be [3,H,W], got [{string.Join(",", image.shape)}]", nameof(image));
        using var scope = NewDisposeScope();
        long h = image.shape[1], w = image.shape[2];
        var raw = image.to(ScalarType.Float32);
        var x = o.SmoothKernel > 1
            ? nn.functional.avg_pool2d(raw.unsqueeze(0), o.SmoothKernel, stride: 1, padding: o.SmoothKernel / 2,
                count_include_pad: false).squeeze(0)
            : raw; // [3,H,W]

        int band = Math.Max(1, (int)Math.Round(Math.Min(h, w) * o.BorderFraction));
        var isBorder = ones(h, w, dtype: ScalarType.Bool);
        isBorder.narrow(0, band, h - 2 * band).narrow(1, band, w - 2 * band).fill_(false);
        var borderPixels = x.reshape(3, -1).index_select(1, isBorder.reshape(-1).nonzero().squeeze(1)); // [3, B]
        var mean = borderPixels.mean([1], keepdim: true); // [3,1]
        double rms = Math.Sqrt(borderPixels.sub(mean).square().sum([0L]).mean().item<float>());

        double threshold = Math.Max(o.BorderSigmas * rms, o.MinContrast);
        // Both the pixel and its smoothed neighbourhood must differ from the border: the smoothed test drops isolated
        // noisy pixels, the raw one keeps object edges where they are (smoothing alone grows objects by k/2).
        var far = x.sub(mean.unsqueeze(2)).square().sum([0L]).sqrt().gt(threshold)
            .logical_and(raw.sub(mean.unsqueeze(2)).square().sum([0L]).sqrt().gt(threshold));
        var fg = far.to(ScalarType.Float32);
        fg = Open(fg, o.OpeningKernel);
        double fraction = fg.mean().item<float>();
        bool whole = fraction < o.MinFraction || fraction > o.MaxFraction;
        var mask = whole ? ones(h, w) : fg;
        return new ForegroundMask(mask.MoveToOuterDisposeScope(), fraction, whole);
    }

    /// <summary>Morphological opening (erosion then dilation) with a k x k square; outside the image counts as
    /// neither.</summary>
    private static Tensor Open(Tensor mask, int k)
    {
        if (k <= 1) return mask;
        var m = mask.unsqueeze(0).unsqueeze(0);
        // max_pool pads with -inf, so the image edge neither erodes nor dilates anything.
        var eroded = nn.functional.max_pool2d(m.neg(), k, stride: 1, padding: k / 2).neg();
        var opened = nn.functional.max_pool2d(eroded, k, stride: 1, padding: k / 2);
        return opened.squeeze(0).squeeze(0);
    }
}
