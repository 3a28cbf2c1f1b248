using System.Diagnostics;

namespace Reb.Core.DefectMaker;

/// <summary>Speed figures for DefectMaker (a plain method, never run by unit tests). DefectMaker runs many small
/// element-wise ops; on a busy 2-core machine libtorch's 2-thread pool made a 48x7 augmented batch ~15x slower than
/// torch.set_num_threads(1) (33 s vs 2.1 s), so measure both settings before choosing one for the trainer.</summary>
public static class DefectMakerBenchmark
{
    /// <summary>Seconds per batch of <paramref name="sources"/> sources x 7 versions (median of <paramref name="repeats"/>,
    /// after one warm-up), with and without the section-5 augmentation.</summary>
    public static (double SecondsPlain, double SecondsAugmented) SecondsPerBatch(DefectSampler sampler, int sources = 48, int repeats = 3, int seed = 1)
    {
        var rng = new Random(seed);
        var aug = new Augmentation();
        double Time(Augmentation? a)
        {
            var times = new List<double>();
            for (int r = 0; r <= repeats; r++)
            {
                var idx = Enumerable.Range(0, sources).Select(_ => rng.Next(sampler.Count)).ToArray();
                var sw = Stopwatch.StartNew();
                using (var batch = sampler.MakeBatch(idx, rng, a)) { }
                sw.Stop();
                if (r > 0) times.Add(sw.Elapsed.TotalSeconds); // r = 0 is the warm-up
            }
            times.Sort();
            return times[times.Count / 2];
        }
        return (Time(null), Time(aug));
    }
}
