using Reb.Core.Imaging;

namespace Reb.Core.Tests.Pipeline;

/// <summary>Small PNG "parts" made in the test: a textured plate, optionally with a dark scratch (the
/// defect).</summary>
internal static class SyntheticParts
{
    public static RgbImage Plate(int seed, int size = 96, bool scratch = false)
    {
        var rng = new Random(seed);
        var px = new byte[size * size * 3];
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                // Regular stripes plus a little noise: every good part looks alike.
                int v = 150 + (int)(40 * Math.Sin((x + y) * 0.5)) + rng.Next(-6, 7);
                if (scratch && Math.Abs(x - y) <= 2 && x > size / 4 && x < size * 3 / 4) v = 20;
                int i = (y * size + x) * 3;
                px[i] = (byte)Math.Clamp(v, 0, 255);
                px[i + 1] = (byte)Math.Clamp(v - 10, 0, 255);
                px[i + 2] = (byte)Math.Clamp(v - 30, 0, 255);
            }
        return new RgbImage(size, size, px);
    }

    /// <summary>Writes n good plates (and optional defective ones) as PNG files; returns their paths.</summary>
    public static List<string> Write(string dir, string prefix, int n, int seed0, bool scratch = false)
    {
        Directory.CreateDirectory(dir);
        var paths = new List<string>();
        for (int i = 0; i < n; i++)
        {
            var path = Path.Combine(dir, $"{prefix}{i:000}.png");
            ImageWriter.SavePng(Plate(seed0 + i, scratch: scratch), path);
            paths.Add(path);
        }
        return paths;
    }
}
