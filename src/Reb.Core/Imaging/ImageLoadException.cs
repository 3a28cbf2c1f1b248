namespace Reb.Core.Imaging;

/// <summary>An image could not be read: missing, not an image, truncated, too large. The message names the source and
/// the reason.</summary>
public sealed class ImageLoadException(string source, string reason, Exception? inner = null)
    : Exception($"cannot read image '{source}': {reason}", inner)
{
    public string ImageSource { get; } = source;
    public string Reason { get; } = reason;
}
