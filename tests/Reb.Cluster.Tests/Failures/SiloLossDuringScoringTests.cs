using Reb.Abstractions.Client;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Reb.Cluster.Tests.TestSupport;
using Xunit.Abstractions;

namespace Reb.Cluster.Tests.Failures;

/// <summary>A silo killed while images are being scored: the client helper retries, shards re-activate
/// elsewhere.</summary>
[Collection(PcbModelCollection.Name)]
public sealed class SiloLossDuringScoringTests(PcbModelFixture model, ITestOutputHelper output)
{
    [Fact]
    public async Task Scoring_continues_after_a_shard_silo_is_killed()
    {
        await using var cluster = await RebTestCluster.StartAsync(3, model.ArtefactRoot);
        var client = new RebClusterClient(cluster.Client, maxAttempts: 8);
        var line = cluster.Client.GetGrain<IProductLineGrain>("pcb-kill");
        await line.RegisterVersion(model.Version);
        await line.SetShards(4);
        var keys = ShardKey.All("pcb-kill", model.Version, 4);
        var placements = new List<string>();
        foreach (var k in keys)
            placements.Add((await cluster.Client.GetGrain<IBankShardGrain>(k.ToString()).Describe()).Silo);
        // Kill a secondary silo that hosts at least one shard (the primary keeps the test cluster's membership).
        var victim = cluster.Silos.Skip(1).FirstOrDefault(s => placements.Contains(s.SiloAddress.ToString()));
        Assert.NotNull(victim);

        var image = File.ReadAllBytes(model.TestImages[0]);
        var first = await client.ScoreAsync("pcb-kill", image, "a.png");
        var scoring = Enumerable.Range(0, 6).Select(async i =>
        {
            await Task.Delay(150 * i);
            return await client.ScoreAsync("pcb-kill", image, $"img-{i}.png");
        }).ToList();
        await Task.Delay(200);
        await cluster.KillSiloAsync(victim);
        var results = await Task.WhenAll(scoring);

        output.WriteLine($"retries: {client.Retries}");
        Assert.All(results, r => Assert.Equal(first.Score, r.Score, 5));
        var after = new List<string>();
        foreach (var k in keys)
            after.Add((await cluster.Client.GetGrain<IBankShardGrain>(k.ToString()).Describe()).Silo);
        Assert.DoesNotContain(victim.SiloAddress.ToString(), after);
    }
}
