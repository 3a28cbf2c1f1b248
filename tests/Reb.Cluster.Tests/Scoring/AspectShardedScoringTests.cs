using Reb.Abstractions.Client;
using Reb.Abstractions.Grains;
using Reb.Cluster.Tests.TestSupport;
using Reb.Core.Backbones;
using Reb.Core.Features;
using Reb.Core.Imaging;
using Reb.Core.Models;
using Reb.Storage;
using Xunit.Abstractions;
using Reb.Grains.Models;

namespace Reb.Cluster.Tests.Scoring;

/// <summary>
/// A native-aspect line scored through 1 and 3 bank shards equals single-process scoring bit for bit, on
/// test images of different sizes (each with its own patch grid, which travels with its features in the scoring grain).
/// </summary>
// One test cluster at a time: two in parallel on a loaded machine starve the polled grains.
[Collection(AspectClusterCollection.Name)]
public sealed class AspectShardedScoringTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("reb-aspect-cluster-").FullName;
    public void Dispose()
    {
        try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task Aspect_sharded_scores_and_maps_equal_single_process_for_1_and_3_shards()
    {
        // Strips of the DeepPCB sample boards (640 wide): 250 / 320 / 400 rows -> 640 / 512 / 416 x 256 inputs.
        var train = Strips("train/good", "t", 6, [250, 320, 400]);
        var tests = Strips("test/good", "g", 2, [200, 320]).Concat(Strips("test/defect", "d", 2, [250, 400])).ToList();
        var modelDir = Path.Combine(_work, "model");
        var options = new InspectionOptions { ImageSize = 256 };
        var (model, report) = ModelFitter.Fit(train,
            new FeatureExtractor(Backbone.LoadDefault(), 256) { Resize = ResizeMode.Aspect }, options);
        using (model) ModelStore.Save(model, report, "strips", modelDir);
        var storeRoot = Path.Combine(_work, "store");
        var version = await new LocalFolderArtefactStore(storeRoot, ModelDirectoryFormat.Instance)
            .PublishModelAsync(modelDir);

        // Single process: the saved model, one image per batch (as the scoring grain embeds).
        var reference = new List<ScoredImage>();
        using (var loaded = ModelStore.Load(modelDir, batchSize: 1))
        {
            Assert.Equal(ResizeMode.Aspect, loaded.Embedder.Resize);
            foreach (var batch in ImageBatches.Read(tests, 256, 1, s => throw new InvalidOperationException(s.Reason),
                mode: loaded.Embedder.Resize))
                using (batch) reference.AddRange(loaded.Score(batch));
        }
        // four sizes, four grids
        Assert.Equal(new[] { 832, 512, 640, 416 }, reference.Select(r => r.MapWidth).ToArray());

        await using var cluster = await RebTestCluster.StartAsync(3, storeRoot);
        var client = new RebClusterClient(cluster.Client);
        var line = cluster.Client.GetGrain<IProductLineGrain>("strips-aspect");
        await line.RegisterVersion(version);
        foreach (int shards in new[] { 1, 3 })
        {
            await line.SetShards(shards);
            await client.StatusAsync("strips-aspect");
            double maxDiff = 0, maxMapDiff = 0;
            for (int i = 0; i < tests.Count; i++)
            {
                var r =
                    await client.ScoreAsync("strips-aspect", File.ReadAllBytes(tests[i]), Path.GetFileName(tests[i]));
                Assert.Equal(shards, r.Shards);
                Assert.Equal((reference[i].MapHeight, reference[i].MapWidth), (r.MapHeight, r.MapWidth));
                Assert.Equal(r.MapHeight * r.MapWidth, r.Map.Length);
                Assert.Equal(reference[i].Reject, r.Reject);
                maxDiff = Math.Max(maxDiff, Math.Abs(reference[i].Score - r.Score));
                for (int p = 0; p < r.Map.Length; p++)
                    maxMapDiff = Math.Max(maxMapDiff, Math.Abs(reference[i].Map[p] - r.Map[p]));
            }
            output.WriteLine($"{shards} shard(s): max |score diff| = {maxDiff:G3}, max |map diff| = {maxMapDiff:G3}");
            Assert.True(maxDiff == 0, $"{shards} shards: image scores differ by {maxDiff}");
            Assert.True(maxMapDiff == 0, $"{shards} shards: pixel maps differ by {maxMapDiff}");
        }
        foreach (var r in reference)
            output.WriteLine($"reference {Path.GetFileName(r.Path)} {r.MapWidth}x{r.MapHeight}: score {r.Score:F4}");
    }

    /// <summary>The top rows of the first sample boards of a split, as PNG files (long parts, as a line's camera gives
    /// them).</summary>
    private List<string> Strips(string split, string prefix, int count, int[] heights)
    {
        var dir = Path.Combine(_work, prefix);
        Directory.CreateDirectory(dir);
        var sources = Directory.GetFiles(Path.Combine(PcbModelFixture.RepositoryRoot(), "samples/deeppcb", split),
            "*.png").Order().Take(count).ToList();
        var paths = new List<string>();
        for (int i = 0; i < sources.Count; i++)
        {
            var image = ImageLoader.Load(sources[i]);
            int h = heights[i % heights.Length];
            var px = new byte[image.Width * h * 3];
            Array.Copy(image.Pixels, px, px.Length);
            var path = Path.Combine(dir, $"{prefix}-{i:D3}.png");
            ImageWriter.SavePng(new RgbImage(image.Width, h, px), path);
            paths.Add(path);
        }
        return paths;
    }
}
