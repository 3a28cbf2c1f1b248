using Reb.Abstractions.Client;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Reb.Cluster.Tests.TestSupport;
using Reb.Grains.Diagnostics;
using Xunit.Abstractions;

namespace Reb.Cluster.Tests.Scoring;

/// <summary>The main acceptance: scoring through 1, 2 and 4 bank shards over 3 silos equals single-process
/// scoring.</summary>
[Collection(PcbModelCollection.Name)]
public sealed class ShardedScoringEqualityTests(PcbModelFixture model, ITestOutputHelper output)
{
    [Fact]
    public async Task Sharded_scores_equal_single_process_scores_for_1_2_and_4_shards()
    {
        var reference = model.ReferenceScores();
        await using var cluster = await RebTestCluster.StartAsync(3, model.ArtefactRoot);
        var client = new RebClusterClient(cluster.Client);
        var line = cluster.Client.GetGrain<IProductLineGrain>("pcb-equality");
        await line.RegisterVersion(model.Version);
        MessageSizeMeter.Reset();
        var silosUsed = new HashSet<string>();
        foreach (int shards in new[] { 1, 2, 4 })
        {
            await line.SetShards(shards);
            await client.StatusAsync("pcb-equality"); // refresh the client's cached shard count
            double maxDiff = 0, maxMapDiff = 0;
            for (int i = 0; i < model.TestImages.Count; i++)
            {
                var path = model.TestImages[i];
                var r = await client.ScoreAsync("pcb-equality", File.ReadAllBytes(path), Path.GetFileName(path));
                Assert.Equal(model.Version, r.Version);
                Assert.Equal(shards, r.Shards);
                Assert.Equal(reference[i].Reject, r.Reject);
                Assert.Equal(reference[i].MapSize, r.MapSize);
                maxDiff = Math.Max(maxDiff, Math.Abs(reference[i].Score - r.Score));
                for (int p = 0; p < r.Map.Length; p++)
                    maxMapDiff = Math.Max(maxMapDiff, Math.Abs(reference[i].Map[p] - r.Map[p]));
            }
            output.WriteLine($"{shards} shard(s): max |score diff| = {maxDiff:G3}, max |map diff| = {maxMapDiff:G3}");
            // Bitwise: exact distances from the raw vectors, one tie rule, one scoring code path.
            Assert.True(maxDiff == 0, $"{shards} shards: image scores differ by {maxDiff}");
            Assert.True(maxMapDiff == 0, $"{shards} shards: pixel maps differ by {maxMapDiff}");
            foreach (var key in ShardKey.All("pcb-equality", model.Version, shards))
                silosUsed.Add((await cluster.Client.GetGrain<IBankShardGrain>(key.ToString()).Describe()).Silo);
        }
        foreach (var r in reference)
            output.WriteLine($"reference {Path.GetFileName(r.Path)}: score {r.Score:F4} reject {r.Reject}");
        output.WriteLine($"threshold {model.Manifest.Threshold.Value:F4}");
        Assert.True(silosUsed.Count >= 2, $"7 shards over 3 silos all landed on {silosUsed.Count} silo");

        // Messages stay bounded: largest payload (features chunk, image, map) far below MaxMessageBodySize (100 MB).
        output.WriteLine($"largest payload: {MessageSizeMeter.LargestBytes} bytes ({MessageSizeMeter.LargestCall}) " +
            $"over {MessageSizeMeter.Messages} messages");
        Assert.True(MessageSizeMeter.LargestBytes > 0);
        Assert.True(MessageSizeMeter.LargestBytes <= FeatureChunking.DefaultMaxBytes,
            $"largest payload {MessageSizeMeter.LargestBytes} bytes");
    }

    [Fact]
    public async Task Shard_keys_split_the_core_set_into_contiguous_ranges_covering_every_row()
    {
        foreach (int n in new[] { 1, 2, 3, 4, 7 })
        {
            long next = 0;
            foreach (var key in ShardKey.All("l", "v", n))
            {
                var (start, count) = key.Range(1000);
                Assert.Equal(next, start);
                next = start + count;
                Assert.Equal(key, ShardKey.Parse(key.ToString()));
            }
            Assert.Equal(1000, next);
        }
        Assert.Throws<ArgumentException>(() => ShardKey.Parse("line/version/4of4"));
        Assert.Throws<ArgumentException>(() => ShardKey.Parse("no-slashes"));
        await Task.CompletedTask;
    }
}
