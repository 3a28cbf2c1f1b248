using System.Diagnostics;

namespace Reb.Core.Metrics;

/// <summary>Seconds taken by the pixel metrics on a synthetic evaluation-sized input.</summary>
public sealed record MetricsBenchmarkResult(int Images, int PixelsPerImage, double AddSeconds, double PixelAurocSeconds,
    double AuproAddSeconds, double AuproSeconds, double SharedPixelAurocSeconds, double PeakWorkingSetMegabytes);

/// <summary>
/// Times the pixel metrics on MVTec-evaluation-sized synthetic data (default 579 images of 256x256 = 38M
/// pixels, a few square defects per image). A plain method, not a unit test: run it on purpose.
/// </summary>
public static class MetricsBenchmark
{
    public static MetricsBenchmarkResult Run(int images = 579, int side = 256, int seed = 1)
    {
        var rng = new Random(seed);
        var map = new float[side * side];
        var mask = new bool[side * side];
        var pixel = new PixelAuroc();
        var aupro = new AuproAccumulator();
        double add = 0, auproAdd = 0;
        var watch = new Stopwatch();
        for (int i = 0; i < images; i++)
        {
            FillImage(rng, map, mask, side, defective: i % 3 != 0);
            watch.Restart(); pixel.Add(map, mask); add += watch.Elapsed.TotalSeconds;
            watch.Restart(); aupro.Add(map, mask, side, side); auproAdd += watch.Elapsed.TotalSeconds;
        }
        watch.Restart(); pixel.Compute(); double pixelSeconds = watch.Elapsed.TotalSeconds;
        watch.Restart(); aupro.Compute(); double auproSeconds = watch.Elapsed.TotalSeconds;
        watch.Restart(); aupro.ComputePixelAuroc(); double sharedSeconds = watch.Elapsed.TotalSeconds;
        double peak = Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0);
        return new MetricsBenchmarkResult(images, side * side, add, pixelSeconds, auproAdd, auproSeconds, sharedSeconds, peak);
    }

    private static void FillImage(Random rng, float[] map, bool[] mask, int side, bool defective)
    {
        Array.Clear(mask);
        for (int p = 0; p < map.Length; p++) map[p] = (float)rng.NextDouble();
        if (!defective) return;
        int blobs = rng.Next(1, 4);
        for (int b = 0; b < blobs; b++)
        {
            int size = rng.Next(4, 40), x0 = rng.Next(side - size), y0 = rng.Next(side - size);
            for (int y = y0; y < y0 + size; y++)
                for (int x = x0; x < x0 + size; x++)
                {
                    mask[y * side + x] = true;
                    map[y * side + x] += 0.5f; // defect pixels score higher on average, with overlap
                }
        }
    }
}
