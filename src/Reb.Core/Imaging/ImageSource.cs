namespace Reb.Core.Imaging;

/// <summary>
/// An encoded image to inspect or train on: a file, or bytes that arrived by message or from the artefact store.
/// Every decode -> resize in the project starts from one of these (<see cref="ImageBatches"/>), so the single process
/// and the grains prepare images the same way.
/// </summary>
/// <param name="Name">What reports, skips and the model's training list call the image (a path or a file name).</param>
public sealed record ImageSource(string Name, string? Path, byte[]? Bytes)
{
    public static ImageSource FromFile(string path) => new(path, path, null);

    public static ImageSource FromBytes(string name, byte[] bytes)
        => new(name, null, bytes ?? throw new ArgumentNullException(nameof(bytes)));

    /// <summary>Decodes the image (<see cref="ImageLoader"/>, the project's one decoder).</summary>
    /// <exception cref="ImageLoadException">missing, corrupt, truncated or too large (names the image).</exception>
    public RgbImage Decode(long maxPixels = ImageLoader.DefaultMaxPixels) =>
        Path is { } p ? ImageLoader.Load(p, maxPixels) : ImageLoader.Decode(Bytes, Name, maxPixels);

    /// <summary>The one decode -> resize path with a resize mode: [3, H, W] float RGB 0..255 (<see
    /// cref="ResizeRule.Target"/>).</summary>
    public (RgbImage Original, TorchSharp.torch.Tensor Resized) Prepare(int imageSize, ResizeMode mode,
        long maxPixels = ImageLoader.DefaultMaxPixels)
    {
        var image = Decode(maxPixels);
        return (image, ImageResizer.ResizeRgb(image, imageSize, mode));
    }
}
