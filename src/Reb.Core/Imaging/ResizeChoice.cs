namespace Reb.Core.Imaging;

/// <summary>
/// `--resize auto`: native aspect only where it can help. The shared magnetic_tile tiles (median short side
/// 254 px, median long/short 1.36) lose accuracy in aspect mode (0.910 vs 0.922 image AUROC, upsampled tiles), while
/// long
/// and large parts (a 500 x 1250 strip) gain more than 0.1. So: aspect when the line's training images are elongated
/// (median long/short at least <see cref="MinRatio"/>) and large enough that their short side needs no upsampling
/// (median short side at least ImageSize); square otherwise. The choice is made once per fit and the model stores the
/// resolved mode, never "auto", so scoring does not depend on which images a line was fitted on.
/// </summary>
public static class ResizeChoice
{
    public const double MinRatio = 1.5;
    public const string Auto = "auto";

    /// <summary>The mode for a line whose training images have these sizes.</summary>
    public static ResizeMode Choose(IReadOnlyList<(int Width, int Height)> sizes, int imageSize)
    {
        if (sizes.Count == 0) return ResizeMode.Square;
        double ratio = Median(sizes.Select(s => (double)Math.Max(s.Width, s.Height) / Math.Min(s.Width, s.Height)));
        double shortSide = Median(sizes.Select(s => (double)Math.Min(s.Width, s.Height)));
        return ratio >= MinRatio && shortSide >= imageSize ? ResizeMode.Aspect : ResizeMode.Square;
    }

    /// <summary>
    /// "square", "aspect", or "auto" resolved from the headers of the training images (unreadable ones are left to the
    /// embed stage, which reports them).
    /// </summary>
    public static ResizeMode Resolve(string? name, IReadOnlyList<string> trainImages, int imageSize) =>
        Resolve(name == Auto ? null : ResizeRule.Parse(name), trainImages, imageSize);

    /// <summary><paramref name="fixedMode"/> when one is given, else (auto) the mode chosen from the headers of the
    /// training images.</summary>
    public static ResizeMode Resolve(ResizeMode? fixedMode, IReadOnlyList<string> trainImages, int imageSize)
    {
        if (fixedMode is { } mode) return mode;
        var sizes = new List<(int, int)>();
        foreach (var path in trainImages)
        {
            try { sizes.Add(ImageLoader.ReadSize(File.ReadAllBytes(path), path)); }
            catch (Exception e) when (e is ImageLoadException or IOException or UnauthorizedAccessException) { }
        }
        return Choose(sizes, imageSize);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
