using Orleans.TestingHost;
using Reb.Abstractions.Client;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Reb.Cluster.Tests.TestSupport;
using Reb.Core.Adaptation;
using Reb.Core.Models;
using Reb.Grains.Training;
using Reb.Storage;
using Xunit.Abstractions;

namespace Reb.Cluster.Tests.Training;

/// <summary>
/// The training grain runs all of REB, DefectMaker adaptation included, through the core's own stages: with the same
/// images, options and seed it publishes the very model version (content address) that `reb fit --adapt defectmaker`
/// writes, also when the silo running the adaptation dies and the job resumes from its last adaptation checkpoint on
/// another silo. The smoke budget (3 optimiser steps) keeps this a CI test; the path is the one the cpu budget takes.
/// </summary>
[Collection(PcbModelCollection.Name)]
public sealed class AdaptedTrainingTests(PcbModelFixture model, ITestOutputHelper output)
{
    private const int Size = 128;
    private const int Seed = 3;

    private static List<string> Images() =>
        Directory.GetFiles(Path.Combine(PcbModelFixture.RepositoryRoot(), "samples/deeppcb/train/good"), "*.png")
        .Order().Take(6).ToList();

    private static TrainingRequest Request(string line, IReadOnlyList<string> keys) => new()
    {
        Line = line, Category = "deeppcb", ImageKeys = keys, ImageSize = Size, Seed = Seed, FitShards = 2,
        Adapt = AdaptMode.DefectMaker, Budget = "smoke", AdaptGuard = AdaptGuardMode.Off,
    };

    /// <summary>What `reb fit --adapt defectmaker --budget smoke --adapt-guard off --seed 3 --image-size 128` does, in
    /// this process.</summary>
    private string SingleProcessVersion(IReadOnlyList<string> images, string dir)
    {
        var adaptation = AdaptationOptions.ForBudget("smoke").WithRecipe(AdaptationOptions.DefaultRecipe) with
        {
            Seed = Seed,
            ImageSize = Size
        };
        // `reb fit`'s defaults: target false-reject rate 0.01 from out-of-fold scores, synthetic escape estimate.
        var options = new InspectionOptions
        {
            ImageSize = Size, Ldknn = new() { Seed = Seed },
                Calibration = new Reb.Core.Calibration.CalibrationOptions { Seed = Seed },
        };
        var (extractor, outcome) = GuardedAdaptation.Run(images, adaptation, guard: null);
        Assert.True(outcome.Used);
        var (fitted, fit) = ModelFitter.Fit(images, extractor, options);
        using (fitted) return ModelStore.Save(fitted, fit, "deeppcb", dir).Version;
    }

    [Fact]
    public async Task Cluster_fit_with_adaptation_publishes_the_single_process_version()
    {
        var images = Images();
        var expected = SingleProcessVersion(images, Path.Combine(model.Work, "adapted-single"));
        await using var cluster = await RebTestCluster.StartAsync(2, model.ArtefactRoot);
        var keys = await UploadAsync(model.Store, "pcb-adapted", images);
        var line = cluster.Client.GetGrain<IProductLineGrain>("pcb-adapted");
        var jobId = await line.StartTraining(Request("pcb-adapted", keys));
        Assert.True(Guid.TryParseExact(jobId, "N", out _), $"job id '{jobId}' is not a GUID");
        var job = cluster.Client.GetGrain<ITrainingGrain>(jobId);
        var p = await WaitAsync(new RebClusterClient(cluster.Client), job, seen: out var losses);
        Assert.Null(p.Error);
        Assert.Equal(TrainingStage.Completed, p.Stage);
        output.WriteLine(
            $"cluster {p.Version}, single process {expected}; adaptation losses seen: {string.Join(", ", losses)}");
        Assert.Equal(expected, p.Version);
        Assert.NotEmpty(losses); // progress reported the real loss while adapting

        // The published model carries the adapted weights, and scoring grains embed with them.
        var dir = await model.Store.FetchModelAsync(p.Version!, Path.Combine(model.Work, "fetch-adapted"));
        var manifest = ModelDirectory.ReadManifest(dir);
        Assert.NotNull(manifest.Backbone.WeightsFile);
        Assert.NotNull(manifest.Bank.NeighbourFile); // the neighbour table for bank updates, as `reb fit` keeps it
        Assert.NotNull(manifest.Threshold.Calibration);
        Assert.Equal(new TrainingJobOwner("pcb-adapted", "default"), await job.GetOwner());

        // Scoring grains embed with the adapted weights: 1, 2 and 4 shards give the single-process score and map,
        // bitwise.
        using (var single = ModelStore.Load(dir, batchSize: 1))
        {
            var tests = Directory.GetFiles(Path.Combine(PcbModelFixture.RepositoryRoot(), "samples/deeppcb/test"),
                "*.png", SearchOption.AllDirectories)
                .Order().Take(2).ToList();
            var reference = new List<ScoredImage>();
            foreach (var batch in Reb.Core.Imaging.ImageBatches.Read(tests, Size, 1,
                s => throw new InvalidOperationException(s.Reason)))
                using (batch) reference.AddRange(single.Score(batch));
            var scorer = new RebClusterClient(cluster.Client);
            foreach (int shards in new[] { 1, 2, 4 })
            {
                await line.SetShards(shards);
                await scorer.StatusAsync("pcb-adapted");
                for (int i = 0; i < tests.Count; i++)
                {
                    var r = await scorer.ScoreAsync("pcb-adapted", await File.ReadAllBytesAsync(tests[i]),
                        Path.GetFileName(tests[i]));
                    Assert.Equal(reference[i].Score, r.Score);
                    Assert.Equal(reference[i].Map, r.Map);
                    Assert.Equal(reference[i].Reject, r.Reject);
                }
            }
        }

        // A second, different request for the same job id is refused; the same one is accepted (idempotent).
        await Assert.ThrowsAsync<ArgumentException>(()
            => job.Start(Request("pcb-adapted", keys) with { Seed = Seed + 1 }));
        Assert.Equal(TrainingStage.Completed, (await job.Start(Request("pcb-adapted", keys))).Stage);
    }

    [Fact]
    public async Task
        Silo_killed_while_adapting_resumes_from_the_last_adaptation_checkpoint_and_publishes_the_same_version()
    {
        var images = Images();
        var expected = SingleProcessVersion(images, Path.Combine(model.Work, "adapted-single-2"));
        const string lineName = "pcb-adapt-resume";
        var gate = new ArtefactWriteGate();
        var state = Directory.CreateTempSubdirectory("reb-adapt-state-").FullName;
        try
        {
            await using var cluster = await RebTestCluster.StartAsync(3, model.ArtefactRoot,
                new RebTestClusterOptions { GrainStorageFolder = state, WriteGate = gate });
            var keys = await UploadAsync(model.Store, lineName, images);
            var (job, jobId, victim) = await JobOnSecondarySiloAsync(cluster, lineName);
            // Freeze the job as it records its SECOND adaptation checkpoint: the first is complete in the store.
            int markers = 0;
            gate.HeldSilo = victim.Name;
            gate.Holds = key => key == TrainingBlobs.AdaptCheckpoint(jobId, "latest")
                && Interlocked.Increment(ref markers) == 2;

            await job.Start(Request(lineName, keys));
            var held = await Task.WhenAny(gate.Holding, Task.Delay(TimeSpan.FromMinutes(3)));
            Assert.True(held == gate.Holding, "the job never reached its second adaptation checkpoint");
            Assert.Equal(TrainingStage.Adapt, (await job.GetProgress()).Stage);
            await cluster.KillSiloAsync(victim);

            var client = new RebClusterClient(cluster.Client, maxAttempts: 10);
            var p = await WaitAsync(client, job, out _);
            output.WriteLine($"job {jobId}: {p.Stage} after {p.Resumes} resume(s), version {p.Version} (single " +
                $"process {expected}) {p.Error}");
            Assert.Null(p.Error);
            Assert.Equal(TrainingStage.Completed, p.Stage);
            Assert.True(p.Resumes >= 1, "the job finished without resuming: it was not interrupted");
            Assert.Equal(expected, p.Version);
            // It resumed mid-adaptation (after step 1), not from scratch: the adaptation record says where.
            var dir = await model.Store.FetchModelAsync(p.Version!, Path.Combine(model.Work, "fetch-adapt-resume"));
            var record = AdaptationRecord.FromJson(ModelDirectory.ReadManifest(dir).Backbone.AdaptationJson!);
            Assert.Equal([1], record.ResumedAtSteps);
        }
        finally
        {
            gate.Release();
            try { Directory.Delete(state, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Keys ending in each image's own file name, as `reb cluster fit` uploads them (the model records the
    /// names).</summary>
    private static async Task<List<string>> UploadAsync(IArtefactStore store, string folder,
        IReadOnlyList<string> images)
    {
        var keys = new List<string>();
        for (int i = 0; i < images.Count; i++)
        {
            var key = $"datasets/{folder}/{i:D5}/{Path.GetFileName(images[i])}";
            await store.PutBytesAsync(key, await File.ReadAllBytesAsync(images[i]));
            keys.Add(key);
        }
        return keys;
    }

    private static async Task<(ITrainingGrain Job, string JobId, InProcessSiloHandle Victim)> JobOnSecondarySiloAsync(
        InProcessTestCluster cluster, string line)
    {
        var management = cluster.Client.GetGrain<IManagementGrain>(0);
        for (int i = 0; i < 50; i++)
        {
            var jobId = Guid.NewGuid().ToString("N");
            var job = cluster.Client.GetGrain<ITrainingGrain>(jobId);
            await job.GetProgress(); // activates without starting
            var host = await management.GetActivationAddress(job);
            if (cluster.Silos.Skip(1).FirstOrDefault(s => s.SiloAddress.Equals(host)) is { } victim)
                return (job, jobId, victim);
        }
        throw new InvalidOperationException($"no job of line {line} was placed on a secondary silo");
    }

    private static Task<TrainingProgress> WaitAsync(RebClusterClient client, ITrainingGrain job, out List<double> seen)
    {
        var losses = seen = [];
        return Run();

        async Task<TrainingProgress> Run()
        {
            var deadline = DateTime.UtcNow.AddMinutes(6);
            TrainingProgress p;
            while (!(p = await client.RetryAsync(() => job.GetProgress())).IsFinished)
            {
                if (p.Stage == TrainingStage.Adapt && p.Loss is { } loss && !losses.Contains(loss)) losses.Add(loss);
                Assert.True(DateTime.UtcNow < deadline, $"training job stuck in {p.Stage} at {p.Percent:F0}%");
                await Task.Delay(100);
            }
            return p;
        }
    }
}
