using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Reb.Abstractions.Client;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Reb.Cluster.Tests.TestSupport;
using Reb.Gateway.Lines;
using Reb.Grains.Shards;
using Xunit.Abstractions;

namespace Reb.Cluster.Tests.Placement;

/// <summary>
/// The per-silo bank memory budget on real silos: shards go to the silo with the most free budget, and a silo over its
/// budget deactivates its least recently used idle shards, whose banks reload from the store and score exactly as
/// before.
/// </summary>
[Collection(PcbModelCollection.Name)]
public sealed class BankMemoryBudgetTests(PcbModelFixture model, ITestOutputHelper output)
{
    [Fact]
    public async Task Shards_go_to_the_silo_with_the_most_free_budget_and_a_lines_shards_spread()
    {
        var budgets = new Dictionary<string, double> { ["Silo_0"] = 64, ["Silo_1"] = 512, ["Silo_2"] = 256 };
        await using var cluster = await RebTestCluster.StartAsync(3, model.ArtefactRoot,
            new RebTestClusterOptions { BankMemoryMb = budgets });
        await WaitForReports(cluster, 3);
        string Name(string silo) => cluster.Silos.Single(s => s.SiloAddress.ToString() == silo).Name;

        var single = await cluster.Client.GetGrain<IBankShardGrain>(new ShardKey("budget-one", model.Version, 0, 1)
            .ToString()).Describe();
        Assert.Equal("Silo_1", Name(single.Silo));
        await WaitForReports(cluster, 3, shards: 1);

        // A two-shard line's first inspection wakes both shards at once from one scoring worker's silo.
        var line = cluster.Client.GetGrain<IProductLineGrain>("budget-two");
        await line.RegisterVersion(model.Version);
        await line.SetShards(2);
        await new RebClusterClient(cluster.Client)
            .ScoreAsync("budget-two", File.ReadAllBytes(model.TestImages[0]), "a.png");
        var two = new List<string>();
        foreach (var key in ShardKey.All("budget-two", model.Version, 2))
            two.Add(Name((await cluster.Client.GetGrain<IBankShardGrain>(key.ToString()).Describe()).Silo));
        // The freest silo, and the freest one besides it (never both on one silo, never the smallest budget).
        Assert.Equal(["Silo_1", "Silo_2"], two.Order());
    }

    [Fact]
    public async Task
        A_silo_over_budget_deactivates_its_least_recently_used_idle_shard_and_the_reloaded_bank_scores_identically()
    {
        var reference = model.ReferenceScores();
        // Measure one whole-bank shard's resident bytes, then give a silo room for two and a half of them.
        long shardBytes;
        await using (var probe = await RebTestCluster.StartAsync(1, model.ArtefactRoot))
        {
            await probe.Client.GetGrain<IBankShardGrain>(new ShardKey("probe", model.Version, 0, 1).ToString())
                .Describe();
            shardBytes = Memory(probe.Silos[0]).ResidentBytes;
        }
        double budgetMb = 2.5 * shardBytes / (1 << 20);
        output.WriteLine($"one shard {shardBytes} bytes, budget {budgetMb:F2} MiB");
        await using var cluster = await RebTestCluster.StartAsync(1, model.ArtefactRoot,
            new RebTestClusterOptions { BankMemoryMb = new Dictionary<string, double> { ["Silo_0"] = budgetMb } });
        var memory = Memory(cluster.Silos[0]);
        var client = new RebClusterClient(cluster.Client);
        string[] lines = ["lru-a", "lru-b", "lru-c"];
        foreach (var line in lines)
        {
            var grain = cluster.Client.GetGrain<IProductLineGrain>(line);
            await grain.RegisterVersion(model.Version);
            await grain.SetShards(1);
        }
        var image = File.ReadAllBytes(model.TestImages[0]);
        await client.ScoreAsync("lru-a", image, "a.png");
        await client.ScoreAsync("lru-b", image, "b.png");
        await client.ScoreAsync("lru-a", image, "a.png"); // a is now used more recently than b
        Assert.Equal(2, memory.Report().Resident.Length);

        await client.ScoreAsync("lru-c", image, "c.png"); // three do not fit: b, idle longest, must go
        var resident =
            await WaitUntil(() => memory.Report(), r => r.Resident.Length == 2, "the silo to evict one shard");
        Assert.Equal(new[] { Key("lru-a"), Key("lru-c") }.Order(), resident.Resident.Order());
        Assert.True(resident.ResidentBytes <= memory.BudgetBytes,
            $"{resident.ResidentBytes} bytes resident over a budget of {memory.BudgetBytes}");
        Assert.True(memory.MaxResidentBytes <= memory.BudgetBytes + shardBytes,
            $"peak {memory.MaxResidentBytes} bytes");
        // The dashboard's state from the cluster's reports: b is cold until its next inspection.
        var registry = cluster.Client.GetGrain<IBankMemoryGrain>(0);
        // One wait for both: the registry holds each silo's latest report, and drops a silo whose reports stop for
        // Stale (its reporter can lag on loaded cores): a read of "b cold" alone can be that gap, with a cold too.
        var shown = await WaitUntil(() => registry.All().GetAwaiter().GetResult(),
            r => LineBankState.Of([new ShardKey("lru-b", model.Version, 0, 1)], r) == LineBankState.Cold
                && LineBankState.Of([new ShardKey("lru-a", model.Version, 0, 1)], r) == LineBankState.Warm,
            "lru-b to show cold and lru-a warm");
        Assert.Equal(LineBankState.Warm, LineBankState.Of([new ShardKey("lru-c", model.Version, 0, 1)], shown));

        // b wakes from the store (evicting a, now the least recently used) and scores every image exactly as before.
        for (int i = 0; i < model.TestImages.Count; i++)
        {
            var r = await client.ScoreAsync("lru-b", File.ReadAllBytes(model.TestImages[i]),
                Path.GetFileName(model.TestImages[i]));
            Assert.True(r.Score == reference[i].Score,
                $"image {i}: {r.Score} after reload, {reference[i].Score} single-process");
            Assert.Equal(reference[i].Map, r.Map);
        }
        resident = await WaitUntil(() => memory.Report(), r => r.Resident.Length == 2, "the silo to evict one shard");
        Assert.Equal(new[] { Key("lru-b"), Key("lru-c") }.Order(), resident.Resident.Order());

        string Key(string line) => new ShardKey(line, model.Version, 0, 1).ToString();
    }

    private static SiloBankMemory Memory(InProcessSiloHandle silo)
        => silo.SiloHost.Services.GetRequiredService<SiloBankMemory>();

    /// <summary>Until the registry holds a report of every silo (with at least <paramref name="shards"/> resident
    /// shards in all), and one more report interval for every silo's copy to see them.</summary>
    private static async Task WaitForReports(InProcessTestCluster cluster, int silos, int shards = 0)
    {
        var registry = cluster.Client.GetGrain<IBankMemoryGrain>(0);
        await WaitUntil(() => registry.All().GetAwaiter().GetResult(),
            r => r.Length == silos && r.Sum(x => x.Resident.Length) >= shards,
            $"{silos} silos to report {shards} shards");
        await Task.Delay(BankMemoryReporter.Interval * 2);
    }

    private static async Task<T> WaitUntil<T>(Func<T> read, Func<T, bool> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var value = read();
            if (done(value)) return value;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"waited 20 s for {what}");
            await Task.Delay(100);
        }
    }
}
