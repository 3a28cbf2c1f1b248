using Reb.Abstractions.Client;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Reb.Cluster.Tests.TestSupport;
using Reb.Core.Backbones;
using Reb.Core.Features;
using Reb.Core.Models;
using Reb.Storage;
using Xunit.Abstractions;

namespace Reb.Cluster.Tests.Training;

/// <summary>A training job run by the cluster (distributed density fit over 3 bank shards) gives the single-process
/// model.</summary>
[Collection(PcbModelCollection.Name)]
public sealed class ClusterTrainingTests(PcbModelFixture model, ITestOutputHelper output)
{
    [Fact]
    public async Task Training_job_publishes_the_same_densities_and_threshold_as_single_process_fitting()
    {
        const int size = 128; // equality of the fit is the point here, not resolution: small images keep it fast
        var repo = PcbModelFixture.RepositoryRoot();
        var images = Directory.GetFiles(Path.Combine(repo, "samples/deeppcb/train/good"), "*.png").Order().Take(4)
            .ToList();
        await using var cluster = await RebTestCluster.StartAsync(3, model.ArtefactRoot);
        var keys = await TrainingChecks.UploadAsync(model.Store, "pcb-train", images);
        var line = cluster.Client.GetGrain<IProductLineGrain>("pcb-trained");
        var jobId = await line.StartTraining(new TrainingRequest
        {
            Line = "pcb-trained",
            ImageKeys = keys,
            ImageSize = size,
            FitShards = 3
        });
        var job = cluster.Client.GetGrain<ITrainingGrain>(jobId);
        var stages = new HashSet<TrainingStage>();
        TrainingProgress p;
        var deadline = DateTime.UtcNow.AddMinutes(2);
        var client = new RebClusterClient(cluster.Client); // repeats a poll that misses the short response timeout
        while (!(p = await client.RetryAsync(() => job.GetProgress())).IsFinished)
        {
            stages.Add(p.Stage);
            Assert.True(DateTime.UtcNow < deadline, $"training job stuck in {p.Stage} at {p.Percent:F0}%");
            await Task.Delay(100);
        }
        output.WriteLine($"stages seen while polling: {string.Join(", ", stages)}");
        Assert.Null(p.Error);
        Assert.Equal(TrainingStage.Completed, p.Stage);
        Assert.NotNull(p.Version);
        Assert.Equal(p.Version, (await line.GetStatus()).Current);
        // Four images cannot certify the target: the job's result says so in the published version's words.
        var published = ModelDirectory.ReadManifest(await model.Store.FetchModelAsync(p.Version!,
            Path.Combine(model.Work, "fetch-warning")));
        Assert.StartsWith("this line needs more good images or reviewed parts", p.Warning);
        Assert.Equal(published.Threshold.Calibration!.Warning, p.Warning);

        // Single-process fit on the same images (one image per batch, like the job).
        var maxDiff = await TrainingChecks.AssertMatchesSingleProcessFitAsync(model.Store, p.Version!, images, size,
            Path.Combine(model.Work, "fetch"));
        output.WriteLine($"max |density diff| = {maxDiff:G3}");
        // The job's checkpoints are cleaned up once the model is published.
        Assert.Null(await model.Store.GetBytesAsync($"jobs/{jobId}/bank.f32"));
    }
}
