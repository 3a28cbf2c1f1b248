using Reb.Core.Imaging;

namespace Reb.Core.Tests.TestSupport;

/// <summary>
/// Non-square real images for native-aspect tests: strips cut from the repository's DeepPCB sample boards (640 x 640,
/// MIT), full width and a chosen height, written as PNG files the way a line's camera would deliver long parts.
/// </summary>
internal static class AspectSamples
{
    public static string SampleFolder(string split = "train/good") =>
        Path.Combine(SharedData.RepositoryRoot() ?? throw new InvalidOperationException("RebCluster.sln not found"),
            "samples/deeppcb", split);

    /// <summary>The top <paramref name="height"/> rows of a real board image, full width.</summary>
    public static RgbImage Strip(string source, int height, int top = 0)
    {
        var image = ImageLoader.Load(source);
        if (top + height > image.Height) throw new ArgumentOutOfRangeException(nameof(height));
        var px = new byte[image.Width * height * 3];
        Array.Copy(image.Pixels, (long)top * image.Width * 3, px, 0, px.Length);
        return new RgbImage(image.Width, height, px) { Source = source };
    }

    /// <summary>Strips of the first images of a sample split, image i getting heights[i % heights.Length]; returns the
    /// PNG paths.</summary>
    public static List<string> Write(string dir, string prefix, int count, int[] heights, string split = "train/good",
        int skip = 0)
    {
        Directory.CreateDirectory(dir);
        var sources = Directory.GetFiles(SampleFolder(split), "*.png").Order().Skip(skip).Take(count).ToList();
        var paths = new List<string>();
        for (int i = 0; i < sources.Count; i++)
        {
            var path = Path.Combine(dir, $"{prefix}-{i:D3}.png");
            ImageWriter.SavePng(Strip(sources[i], heights[i % heights.Length]), path);
            paths.Add(path);
        }
        return paths;
    }
}
