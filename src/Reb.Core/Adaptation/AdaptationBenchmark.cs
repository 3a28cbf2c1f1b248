using System.Diagnostics;
using Reb.Core.Backbones;
using Reb.Core.DefectMaker;
using Reb.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace Reb.Core.Adaptation;

/// <summary>Resident memory of the process after each optimiser step of a long run (MB), and the growth between two steps.</summary>
public sealed record AdaptationMemoryReport(int Steps, int ImageSize, int ImagesPerStep, IReadOnlyList<double> RssMbAfterStep, double Seconds)
{
    /// <summary>RSS after step <paramref name="to"/> minus RSS after step <paramref name="from"/> (1-based), MB.</summary>
    public double GrowthMb(int from, int to) => RssMbAfterStep[to - 1] - RssMbAfterStep[from - 1];
}

/// <summary>Seconds per optimiser step in each phase, and the batch-making time per pass.</summary>
public sealed record AdaptationSpeedReport(int ImageSize, int ImagesPerPass, int Threads, double FrozenStepSeconds, double UnfrozenStepSeconds, double BatchSeconds);

/// <summary>Figures for adaptation (plain methods, never run by unit tests).</summary>
public static class AdaptationBenchmark
{
    /// <summary>
    /// Runs <paramref name="steps"/> tiny optimiser steps (the trainer's own loop, producer thread included) and
    /// records the process RSS after each, to show that memory stays flat: every step's tensors live in a dispose
    /// scope, batches are freed as soon as they are used, and at most <see cref="DefectBatchProducer.Capacity"/> wait.
    /// </summary>
    public static AdaptationMemoryReport MeasureMemory(IReadOnlyList<string> trainImages, int steps = 200, int imageSize = 64,
        int sourcesPerPass = 2, int seed = 1)
    {
        var o = new AdaptationOptions
        {
            Budget = "memory-benchmark", Steps = steps, SourcesPerPass = sourcesPerPass, PassesPerStep = 1,
            FrozenSteps = Math.Max(1, steps / 10), ScheduleSteps = steps + steps / 10, Seed = seed, ImageSize = imageSize,
            DefectMaker = new DefectMakerOptions { Placement = Placement.Uniform },
        };
        using var sampler = DefectSampler.FromFiles(trainImages, o.EffectiveDefectMaker);
        using var backbone = Backbone.Load(o.Backbone);
        var rss = new List<double>(steps);
        using var process = Process.GetCurrentProcess();
        var progress = new SyncProgress<StageProgress>(_ =>
        {
            process.Refresh();
            rss.Add(process.WorkingSet64 / 1e6);
        });
        var clock = Stopwatch.StartNew();
        AdaptationTrainer.Train(backbone, sampler, o, progress);
        return new AdaptationMemoryReport(steps, imageSize, o.ImagesPerStep, rss, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Median seconds of a frozen (head-only) and an unfrozen (full fine-tuning) optimiser step on one batch of
    /// <paramref name="sourcesPerPass"/> x 7 images, and of making such a batch, at libtorch's current thread count.
    /// One untimed warm-up of each comes first.
    /// </summary>
    public static AdaptationSpeedReport MeasureSpeed(IReadOnlyList<string> trainImages, int imageSize = 256, int sourcesPerPass = 8, int repeats = 3, int seed = 1)
    {
        using var sampler = DefectSampler.FromFiles(trainImages, new DefectMakerOptions { ImageSize = imageSize });
        using var backbone = Backbone.LoadDefault();
        using var generator = new Generator((ulong)seed);
        using var network = new AdaptationNetwork(backbone, initGenerator: generator);
        using var optimizer = optim.SGD(network.parameters(), 0.001, momentum: 0.9);
        var rng = new Random(seed);
        var augmentation = new Augmentation();

        double Median(Func<double> run)
        {
            run();
            var times = Enumerable.Range(0, repeats).Select(_ => run()).Order().ToList();
            return times[times.Count / 2];
        }
        double batchSeconds = Median(() =>
        {
            var sw = Stopwatch.StartNew();
            using var b = sampler.MakeBatch(DefectBatchProducer.DrawSources(sampler, sourcesPerPass, rng), rng, augmentation);
            return sw.Elapsed.TotalSeconds;
        });
        using var batch = sampler.MakeBatch(DefectBatchProducer.DrawSources(sampler, sourcesPerPass, rng), rng, augmentation);
        double Step(bool frozen)
        {
            network.SetBackboneFrozen(frozen);
            return Median(() =>
            {
                var sw = Stopwatch.StartNew();
                AdaptationTrainer.OptimizerStep(network, optimizer, [batch], 0.001);
                return sw.Elapsed.TotalSeconds;
            });
        }
        double frozenSeconds = Step(true);
        double unfrozenSeconds = Step(false);
        backbone.Eval();
        return new AdaptationSpeedReport(imageSize, sourcesPerPass * 7, get_num_threads(), frozenSeconds, unfrozenSeconds, batchSeconds);
    }
}
