namespace Reb.Core.Imaging;

/// <summary>An input image that could not be used, and why. Runs report these and go on; they never crash
/// half-way.</summary>
public sealed record SkippedImage(string Path, string Reason);
