using Reb.Abstractions.Client;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Reb.Cluster.Tests.TestSupport;

namespace Reb.Cluster.Tests.Placement;

/// <summary>Bank shards prefer silos whose metadata says hardware.accelerator=gpu, and spread when none does.</summary>
[Collection(PcbModelCollection.Name)]
public sealed class GpuPlacementTests(PcbModelFixture model)
{
    private const int Shards = 8;
    private const string GpuSilo = "Silo_1";

    [Fact]
    public async Task Shards_land_on_the_only_gpu_silo()
    {
        await using var cluster = await RebTestCluster.StartAsync(3, model.ArtefactRoot, gpuSilos: GpuSilo);
        var names = string.Join(", ", cluster.Silos.Select(s => $"{s.Name}={s.SiloAddress}"));
        var silos = await ShardSilos(cluster.Client);
        Assert.True(silos.Distinct().Count() == 1, $"shards on {string.Join(", ", silos.Distinct())}; silos {names}");
        var gpuSilo = cluster.Silos.Single(s => s.Name == GpuSilo).SiloAddress.ToString();
        Assert.Equal(gpuSilo, silos[0]);
    }

    [Fact]
    public async Task Shards_spread_evenly_over_silos_when_none_has_a_gpu()
    {
        await using var cluster = await RebTestCluster.StartAsync(3, model.ArtefactRoot);
        var silos = await ShardSilos(cluster.Client);
        AssertEvenSpread(silos, cluster.Silos.Select(s => s.SiloAddress.ToString()).ToList());
    }

    [Fact]
    public async Task Shards_spread_evenly_over_the_gpu_silos_only()
    {
        await using var cluster =
            await RebTestCluster.StartAsync(3, model.ArtefactRoot, gpuSilos: ["Silo_0", "Silo_2"]);
        var silos = await ShardSilos(cluster.Client);
        var gpu = cluster.Silos.Where(s => s.Name is "Silo_0" or "Silo_2").Select(s => s.SiloAddress.ToString())
            .ToList();
        AssertEvenSpread(silos, gpu);
    }

    /// <summary>Every shard on one of <paramref name="expected"/>, each of which holds N/S shards rounded down or
    /// up.</summary>
    private static void AssertEvenSpread(List<string> shardSilos, List<string> expected)
    {
        var counts = expected.ToDictionary(s => s, s => shardSilos.Count(x => x == s));
        string shown = string.Join(", ", shardSilos.GroupBy(x => x).Select(g => $"{g.Key}: {g.Count()}"));
        Assert.True(shardSilos.All(expected.Contains),
            $"shards on silos outside {string.Join(", ", expected)}: {shown}");
        Assert.True(counts.Values.Max() - counts.Values.Min() <= 1,
            $"{shardSilos.Count} shards over {expected.Count} silos not even: {shown}");
    }

    /// <summary>
    /// Wakes the line's shards as production does (one scoring call: the scoring grain's silo places all of them, and
    /// counts each placement until the silo reports it), then asks each shard where it lives. Activating them one by
    /// one from the client let each gateway silo place some with its own stale view, which spread them unevenly under
    /// load.
    /// </summary>
    private async Task<List<string>> ShardSilos(IGrainFactory grains)
    {
        var line = grains.GetGrain<IProductLineGrain>("pcb-placement");
        await line.RegisterVersion(model.Version);
        await line.SetShards(Shards);
        var path = model.TestImages[0];
        var scored = await new RebClusterClient(grains)
            .ScoreAsync("pcb-placement", await File.ReadAllBytesAsync(path), Path.GetFileName(path));
        Assert.Equal(Shards, scored.Shards);
        var result = new List<string>();
        foreach (var key in ShardKey.All("pcb-placement", model.Version, Shards))
            result.Add((await grains.GetGrain<IBankShardGrain>(key.ToString()).Describe()).Silo);
        return result;
    }
}
