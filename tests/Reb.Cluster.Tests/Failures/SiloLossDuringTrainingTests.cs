using Reb.Abstractions.Client;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Reb.Cluster.Tests.TestSupport;
using Reb.Core.Backbones;
using Reb.Core.Features;
using Reb.Core.Models;
using Reb.Grains.Shards;
using Reb.Grains.Training;
using Reb.Storage;
using Orleans.TestingHost;
using Xunit.Abstractions;

namespace Reb.Cluster.Tests.Failures;

/// <summary>
/// A silo killed while it runs a training job: the job re-activates on another silo, resumes after its last completed
/// step (the embed step is not run again) and publishes the model an uninterrupted single-process fit gives.
/// </summary>
[Collection(PcbModelCollection.Name)]
public sealed class SiloLossDuringTrainingTests(PcbModelFixture model, ITestOutputHelper output)
{
    [Fact]
    public async Task Training_job_resumes_on_another_silo_after_its_silo_is_killed()
    {
        const int size = 128;
        const string line = "pcb-resume";
        var repo = PcbModelFixture.RepositoryRoot();
        var images = Directory.GetFiles(Path.Combine(repo, "samples/deeppcb/train/good"), "*.png").Order().Take(4)
            .ToList();
        var gate = new ArtefactWriteGate();
        var state = Directory.CreateTempSubdirectory("reb-job-state-").FullName;
        try
        {
            await using var cluster = await RebTestCluster.StartAsync(3, model.ArtefactRoot,
                new RebTestClusterOptions { GrainStorageFolder = state, WriteGate = gate });
            var keys = await TrainingChecks.UploadAsync(model.Store, line, images);

            // A job id whose activation lands on a secondary silo (the primary holds the test cluster's membership).
            var management = cluster.Client.GetGrain<IManagementGrain>(0);
            ITrainingGrain job = null!;
            string jobId = "";
            InProcessSiloHandle? victim = null;
            for (int i = 0; victim is null; i++)
            {
                Assert.True(i < 50, "no job id was placed on a secondary silo");
                jobId = $"{line}-job-{i}";
                job = cluster.Client.GetGrain<ITrainingGrain>(jobId);
                await job.GetProgress(); // activates without starting
                var host = await management.GetActivationAddress(job);
                victim = cluster.Silos.Skip(1).FirstOrDefault(s => s.SiloAddress.Equals(host));
            }
            // Freeze the job inside its Shard step on that silo: embed and coreset are done and checkpointed.
            gate.HeldSilo = victim.Name;
            gate.Holds = key => key.StartsWith(TrainingBlobs.Prefix(jobId) + "bank-", StringComparison.Ordinal);

            await job.Start(new TrainingRequest { Line = line, ImageKeys = keys, ImageSize = size, FitShards = 3 });
            var held = await Task.WhenAny(gate.Holding, Task.Delay(TimeSpan.FromMinutes(2)));
            Assert.True(held == gate.Holding, "the job never reached its Shard step");
            Assert.Equal(TrainingStage.Shard, (await job.GetProgress()).Stage);
            await cluster.KillSiloAsync(victim);

            // Touching the job re-activates it on a live silo, which resumes it (the reminder would too, within a
            // minute).
            var client = new RebClusterClient(cluster.Client, maxAttempts: 10);
            TrainingProgress p;
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (!(p = await client.RetryAsync(() => job.GetProgress())).IsFinished)
            {
                Assert.True(DateTime.UtcNow < deadline, $"resumed job stuck in {p.Stage} at {p.Percent:F0}%");
                await Task.Delay(100);
            }
            output.WriteLine($"job {jobId}: {p.Stage} after {p.Resumes} resume(s); writes: " +
                             string.Join(", ", gate.Writes.Where(w => w.Key.Contains(jobId))
                                 .Select(w => $"{w.Key.Split('/')[^1]} x{w.Value}")));
            Assert.Null(p.Error);
            Assert.Equal(TrainingStage.Completed, p.Stage);
            Assert.True(p.Resumes >= 1, "the job finished without resuming: it was not interrupted");
            Assert.Equal(1, gate.Writes[TrainingBlobs.Bank(jobId)]);     // embed ran once: resumed after it
            Assert.Equal(1, gate.Writes[TrainingBlobs.Coreset(jobId)]);  // coreset too
            var status = await client.RetryAsync(() => cluster.Client.GetGrain<IProductLineGrain>(line).GetStatus());
            Assert.Equal(p.Version, status.Current);

            // The resumed job's model is the one an uninterrupted single-process fit gives.
            await TrainingChecks.AssertMatchesSingleProcessFitAsync(model.Store, p.Version!, images, size,
                Path.Combine(model.Work, "fetch-resume"));
        }
        finally
        {
            gate.Release(); // lets the killed silo's frozen write finish; its stale state write is refused by the ETag
            try { Directory.Delete(state, recursive: true); } catch (IOException) { }
        }
    }
}
