using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Reb.Cluster.Tests.TestSupport;
using Reb.Core.Imaging;
using Reb.Core.Models;
using Reb.Storage;
using Xunit.Abstractions;
using Reb.Grains.Models;

namespace Reb.Cluster.Tests.Training;

/// <summary>`reb cluster fit --resize aspect` (TrainingRequest.Resize) trains the native-aspect model `reb fit`
/// would.</summary>
// One test cluster at a time: two in parallel on a loaded machine starve the polled grains.
[Collection(AspectClusterCollection.Name)]
public sealed class AspectTrainingTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("reb-aspect-training-").FullName;
    public void Dispose()
    {
        try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task Aspect_training_job_stores_the_mode_and_matches_the_single_process_aspect_fit()
    {
        const int size = 128; // equality of the fit is the point, not resolution
        // Strips of three heights from the DeepPCB sample boards: 640 x 250 / 320 / 400 -> 320 / 256 / 192 x 128
        // inputs.
        var images = new List<string>();
        int[] heights = [250, 320, 400, 250];
        var sources = Directory.GetFiles(Path.Combine(PcbModelFixture.RepositoryRoot(), "samples/deeppcb/train/good"),
            "*.png").Order().Take(4).ToList();
        Directory.CreateDirectory(Path.Combine(_work, "strips"));
        for (int i = 0; i < sources.Count; i++)
        {
            var image = ImageLoader.Load(sources[i]);
            var px = new byte[image.Width * heights[i] * 3];
            Array.Copy(image.Pixels, px, px.Length);
            var path = Path.Combine(_work, "strips", $"s-{i:D3}.png");
            ImageWriter.SavePng(new RgbImage(image.Width, heights[i], px), path);
            images.Add(path);
        }
        var storeRoot = Path.Combine(_work, "store");
        var store = new LocalFolderArtefactStore(storeRoot, ModelDirectoryFormat.Instance);
        await using var cluster = await RebTestCluster.StartAsync(2, storeRoot);
        var keys = await TrainingChecks.UploadAsync(store, "strips", images);
        var line = cluster.Client.GetGrain<IProductLineGrain>("strips-trained");
        var jobId = await line.StartTraining(new TrainingRequest
        {
            Line = "strips-trained", ImageKeys = keys, ImageSize = size, FitShards = 2, Resize = ResizeRequest.Aspect,
        });
        var job = cluster.Client.GetGrain<ITrainingGrain>(jobId);
        TrainingProgress? p = null;
        var deadline = DateTime.UtcNow.AddMinutes(8);
        while (p is not { IsFinished: true })
        {
            Assert.True(DateTime.UtcNow < deadline, $"training job stuck in {p?.Stage} at {p?.Percent:F0}%");
            await Task.Delay(500);
            // On a shared 2-core machine a progress poll can miss the test cluster's short response timeout while the
            // job runs; the job goes on, so the poll is simply repeated.
            try { p = await job.GetProgress(); }
            catch (TimeoutException) { }
        }
        Assert.Null(p.Error);
        Assert.Equal(TrainingStage.Completed, p.Stage);

        var dir = await store.FetchModelAsync(p.Version!, Path.Combine(_work, "fetch"));
        var manifest = ModelDirectory.ReadManifest(dir);
        Assert.Equal("aspect", manifest.Features.Resize);
        Assert.Equal(2 * (16 * 40) + 16 * 32 + 16 * 24, manifest.Bank.Patches);   // each strip's own grid
        var maxDiff = await TrainingChecks.AssertMatchesSingleProcessFitAsync(store, p.Version!, images, size,
            Path.Combine(_work, "fetch2"), ResizeMode.Aspect);
        output.WriteLine($"version {p.Version}, bank {manifest.Bank.Patches}, max |density diff| = {maxDiff:G3}");
    }
}
