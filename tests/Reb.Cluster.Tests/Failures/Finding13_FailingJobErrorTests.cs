using Reb.Abstractions.Client;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Reb.Cluster.Tests.TestSupport;
using Reb.Grains.Training;

namespace Reb.Cluster.Tests.Failures;

/// <summary>
/// Finding 13 end to end: a real training job on a real silo fails in a step whose storage error names the silo's
/// folders and the store's endpoint (as a full disk or an unreachable store would), and what every client reads from
/// the job (the progress the gateway and `reb` pass on) is the step and the job id, not the silo's paths.
/// </summary>
[Collection(PcbModelCollection.Name)]
public sealed class Finding13_FailingJobErrorTests(PcbModelFixture model)
{
    [Fact]
    public async Task A_job_failing_with_a_silo_path_in_its_error_shows_clients_the_step_and_job_only()
    {
        var gate = new ArtefactWriteGate();
        await using var cluster =
            await RebTestCluster.StartAsync(1, model.ArtefactRoot, new RebTestClusterOptions { WriteGate = gate });
        var jobId = Guid.NewGuid().ToString("N");
        var siloPath = Path.Combine(model.ArtefactRoot, "jobs", jobId, "coreset.i64");
        gate.Fails = key => key == TrainingBlobs.Coreset(jobId);
        gate.Failure = _ => new IOException(
            $"No space left on device : '{siloPath}' (store http://store.internal:10000/devstoreaccount1)");

        var images = Directory.GetFiles(Path.Combine(PcbModelFixture.RepositoryRoot(), "samples/deeppcb/train/good"),
            "*.png").Order().Take(4);
        var keys = await TrainingChecks.UploadAsync(model.Store, "f13-failing", images);
        var job = cluster.Client.GetGrain<ITrainingGrain>(jobId);
        await job.Start(new TrainingRequest { Line = "f13-failing", ImageKeys = keys, ImageSize = 128 });
        var deadline = DateTime.UtcNow.AddMinutes(4);
        TrainingProgress p;
        var client = new RebClusterClient(cluster.Client); // repeats a poll that misses the short response timeout
        while (!(p = await client.RetryAsync(() => job.GetProgress())).IsFinished)
        {
            Assert.True(DateTime.UtcNow < deadline, $"job stuck in {p.Stage} at {p.Percent:F0}%");
            await Task.Delay(200);
        }

        Assert.Equal(TrainingStage.Failed, p.Stage);
        Assert.True(gate.Writes.ContainsKey(TrainingBlobs.Coreset(jobId)), "the job never reached the failing write");
        Assert.NotNull(p.Error);
        Assert.DoesNotContain(model.ArtefactRoot, p.Error);
        Assert.DoesNotContain("store.internal", p.Error);
        Assert.DoesNotContain("No space left", p.Error); // not a message written for users: the silo's log has it
        Assert.Contains(jobId, p.Error);
        Assert.StartsWith("Coreset", p.Error);
    }
}
