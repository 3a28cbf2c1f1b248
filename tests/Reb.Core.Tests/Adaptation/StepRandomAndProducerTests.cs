using Reb.Core.Adaptation;
using Reb.Core.DefectMaker;
using Reb.Core.Tests.DefectMaker;

namespace Reb.Core.Tests.Adaptation;

public class StepRandomAndProducerTests
{
    [Fact]
    public void StepGeneratorsDependOnSeedAndStepOnly()
    {
        int[] Draw(int seed, int step)
            => Enumerable.Range(0, 8).Select(_ => new StepRandom(seed).ForStep(step).Next()).ToArray();
        Assert.Equal(Draw(1, 5), Draw(1, 5));
        Assert.NotEqual(Draw(1, 5), Draw(1, 6));
        Assert.NotEqual(Draw(1, 5), Draw(2, 5));
        Assert.Equal(new StepRandom(9).HeadInitSeed, new StepRandom(9).HeadInitSeed);
        Assert.NotEqual(new StepRandom(9).HeadInitSeed, new StepRandom(10).HeadInitSeed);
    }

    [Fact]
    public void ProducerYieldsEveryPassInOrderWithTheSameTensorsAsDirectSampling()
    {
        using var data = new AdaptationTestData();
        using var sampler = data.Sampler();
        var random = new StepRandom(3);
        var aug = new Augmentation();
        using var producer = new DefectBatchProducer(sampler, random, firstStep: 2, lastStep: 4, sourcesPerPass: 2,
            passesPerStep: 2, aug, producerThreads: 1);
        for (int step = 2; step <= 4; step++)
        {
            var rng = random.ForStep(step);
            for (int pass = 1; pass <= 2; pass++)
            {
                using var expected = sampler.MakeBatch(DefectBatchProducer.DrawSources(sampler, 2, rng), rng, aug);
                using var got = producer.Next();
                Assert.Equal((step, pass), (got.Step, got.Pass));
                Assert.True(TensorAssert.Same(expected.Images, got.Batch.Images));
                Assert.True(TensorAssert.Same(expected.Labels, got.Batch.Labels));
            }
        }
        var e = Assert.Throws<InvalidOperationException>(() => producer.Next());
        Assert.Contains("no more batches", e.Message);
    }

    [Fact]
    public async Task DisposingAProducerThatIsAheadStopsItWithoutHanging()
    {
        using var data = new AdaptationTestData();
        using var sampler = data.Sampler();
        var producer =
            new DefectBatchProducer(sampler, new StepRandom(1), 1, 1000, 1, 1, new Augmentation(), producerThreads: 1);
        using (producer.Next()) { }
        var stop = Task.Run(producer.Dispose);
        var stopped = await Task.WhenAny(stop, Task.Delay(TimeSpan.FromSeconds(20))) == stop;
        Assert.True(stopped, "Dispose did not stop the producer");
        await stop; // an exception from Dispose fails the test, as Wait did
    }

    [Fact]
    public void SourcesRepeatOnlyWhenTheBatchIsLargerThanTheImageList()
    {
        using var data = new AdaptationTestData(imageCount: 3);
        using var sampler = data.Sampler();
        var rng = new Random(4);
        var three = DefectBatchProducer.DrawSources(sampler, 3, rng);
        Assert.Equal(new[] { 0, 1, 2 }, three.Order());
        var seven = DefectBatchProducer.DrawSources(sampler, 7, rng);
        Assert.Equal(7, seven.Length);
        Assert.Equal(new[] { 0, 1, 2 }, seven[..3].Order()); // a full shuffle first, then the next one
        Assert.Equal(new[] { 0, 1, 2 }, seven[3..6].Order());
    }

    private static int CountOnANewThread()
    {
        int n = 0;
        var t = new Thread(() => n = TorchSharp.torch.get_num_threads());
        t.Start();
        t.Join();
        return n;
    }

    [Fact]
    public void TheProducersSingleThreadSettingDoesNotLeakIntoThreadsCreatedLater()
    {
        int caller = TorchSharp.torch.get_num_threads();
        int before = CountOnANewThread();
        using var data = new AdaptationTestData(imageCount: 2);
        using var sampler = data.Sampler();
        using (var producer =
            new DefectBatchProducer(sampler, new StepRandom(1), 1, 1, 1, 1, new Augmentation(), producerThreads: 1))
        using (producer.Next()) { }
        Assert.Equal(before, CountOnANewThread());
        Assert.Equal(caller, TorchSharp.torch.get_num_threads());
    }

    /// <summary>
    /// The fault behind a cluster fit that once published another version than the single process: the producer set
    /// its count through libtorch, which also sets the process default for a moment, and a thread that began
    /// computing in that moment kept the producer's count (and trained to other weights). Threads started one after
    /// another while producers start must all adopt the default.
    /// </summary>
    [Fact]
    public void ThreadsThatStartComputingWhileProducersStartAllAdoptTheProcessDefault()
    {
        int expected = CountOnANewThread();
        using var data = new AdaptationTestData(imageCount: 2);
        using var sampler = data.Sampler();
        var seen = new System.Collections.Concurrent.ConcurrentQueue<int>();
        using var stop = new CancellationTokenSource();
        var starter = new Thread(() => { while (!stop.IsCancellationRequested) seen.Enqueue(CountOnANewThread()); });
        starter.Start();
        try
        {
            // A producer count unlike the default, whatever the machine's core count.
            for (int i = 0; i < 100; i++)
                using (new DefectBatchProducer(sampler, new StepRandom(i), 1, 1, 1, 1, new Augmentation(),
                    producerThreads: expected + 1)) { }
        }
        finally
        {
            stop.Cancel();
            starter.Join();
        }
        Assert.NotEmpty(seen);
        Assert.All(seen, n => Assert.Equal(expected, n));
    }

    [Fact]
    public void ThisThreadsOpenMpCountChangesOnlyThisThread()
    {
        Assert.True(ThisThreadOpenMp.Available, "libtorch's OpenMP runtime was not found among the mapped libraries");
        int expected = CountOnANewThread();
        int inside = 0;
        var t = new Thread(() =>
        {
            TorchSharp.torch.get_num_threads();
            ThisThreadOpenMp.TrySet(expected + 1);
            inside = TorchSharp.torch.get_num_threads();
        });
        t.Start();
        t.Join();
        Assert.Equal(expected + 1, inside);
        Assert.Equal(expected, CountOnANewThread());
    }
}
