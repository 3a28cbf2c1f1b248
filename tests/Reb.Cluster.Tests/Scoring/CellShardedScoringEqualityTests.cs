using Reb.Abstractions.Client;
using Reb.Abstractions.Grains;
using Reb.Cluster.Tests.TestSupport;
using Reb.Core.Backbones;
using Reb.Core.Features;
using Reb.Core.Imaging;
using Reb.Core.Ldknn;
using Reb.Core.Models;
using Reb.Core.Search;
using Reb.Storage;
using Xunit.Abstractions;
using Reb.Grains.Models;

namespace Reb.Cluster.Tests.Scoring;

/// <summary>
/// The cell-pruned search end to end: a model fitted with `--search cells` (its manifest says so, so every bank shard
/// builds cells over its own rows) scores through 1, 2 and 4 shards bitwise like one process with cells, and that
/// process scores bitwise like the flat model of the same images, requests one by one and all at once.
/// </summary>
[Collection(PcbModelCollection.Name)]
public sealed class CellShardedScoringEqualityTests(PcbModelFixture model, ITestOutputHelper output) : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("reb-cells-").FullName;

    [Fact]
    public async Task Cells_sharded_scores_equal_one_process_and_the_flat_model_for_1_2_and_4_shards()
    {
        var repo = PcbModelFixture.RepositoryRoot();
        var train = Directory.GetFiles(Path.Combine(repo, "samples/deeppcb/train/good"), "*.png").Order()
            .Take(PcbModelFixture.TrainImages).ToList();
        var options = new InspectionOptions { ImageSize = 256, Ldknn = new LdknnOptions { Search = SearchMode.Cells } };
        var dir = Path.Combine(_work, "model");
        var (fitted, report) =
            ModelFitter.Fit(train, new FeatureExtractor(Backbone.LoadDefault(), options.ImageSize), options);
        ModelManifest manifest;
        using (fitted)
        {
            Assert.Equal(SearchMode.Cells, fitted.Index.Search.Mode);
            manifest = ModelStore.Save(fitted, report, "pcb-cells", dir);
        }
        Assert.Equal("cells", manifest.Ldknn.Search);

        var store = new LocalFolderArtefactStore(model.ArtefactRoot, ModelDirectoryFormat.Instance);
        var version = await store.PublishModelAsync(dir);
        var flat = model.ReferenceScores();
        var reference = new List<ScoredImage>();
        using (var loaded = ModelStore.Load(dir, batchSize: 1))
        {
            Assert.Equal(SearchMode.Cells, loaded.Index.Search.Mode);
            foreach (var batch in ImageBatches.Read(model.TestImages, loaded.Options.ImageSize, 1,
                s => throw new InvalidOperationException(s.Reason)))
                using (batch) reference.AddRange(loaded.Score(batch));
        }
        for (int i = 0; i < flat.Count; i++)
        {
            Assert.Equal(BitConverter.SingleToInt32Bits(flat[i].Score),
                BitConverter.SingleToInt32Bits(reference[i].Score));
            Assert.Equal(flat[i].Map, reference[i].Map);
        }

        await using var cluster = await RebTestCluster.StartAsync(3, model.ArtefactRoot);
        var client = new RebClusterClient(cluster.Client);
        var line = cluster.Client.GetGrain<IProductLineGrain>("pcb-cells");
        await line.RegisterVersion(version);
        foreach (int shards in new[] { 1, 2, 4 })
        {
            await line.SetShards(shards);
            await client.StatusAsync("pcb-cells");
            for (int i = 0; i < model.TestImages.Count; i++)
            {
                var path = model.TestImages[i];
                var r = await client.ScoreAsync("pcb-cells", File.ReadAllBytes(path), Path.GetFileName(path));
                Assert.Equal(version, r.Version);
                Assert.Equal(shards, r.Shards);
                Assert.True(
                    BitConverter.SingleToInt32Bits(reference[i].Score) == BitConverter.SingleToInt32Bits(r.Score),
                    $"{shards} shards, image {i}: {r.Score:R} vs {reference[i].Score:R}");
                Assert.Equal(reference[i].Map, r.Map);
            }
            // All images at once: chunks that reach a shard while it searches share its next search
            // (NearestCoalescer), and every image still gets exactly its own score and map.
            var together = await Task.WhenAll(model.TestImages.Select(p => Task.Run(() =>
                client.ScoreAsync("pcb-cells", File.ReadAllBytes(p), Path.GetFileName(p)))));
            for (int i = 0; i < together.Length; i++)
            {
                Assert.True(BitConverter.SingleToInt32Bits(reference[i].Score)
                            == BitConverter.SingleToInt32Bits(together[i].Score),
                    $"{shards} shards, image {i} among concurrent requests: {together[i].Score:R} vs " +
                    $"{reference[i].Score:R}");
                Assert.Equal(reference[i].Map, together[i].Map);
            }
            output.WriteLine($"{shards} shard(s): scores and maps bitwise equal to one process, one by one and all " +
                             "at once");
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
    }
}
