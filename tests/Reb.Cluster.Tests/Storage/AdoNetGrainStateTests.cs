using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Storage;
using Orleans.TestingHost;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Reb.Cluster.Tests.TestSupport;
using Reb.Grains.ProductLines;
using Reb.Silo.AdoNet;

namespace Reb.Cluster.Tests.Storage;

/// <summary>
/// Grain state and membership in the PostgreSQL of infra/start-services.sh through Orleans' ADO.NET providers (the
/// "adonet" options of Reb.Silo): two silos that write the same line's state at once never lose a write, and a
/// cluster on it keeps a grain's state when the silo that held the grain goes away.
/// </summary>
public sealed class AdoNetGrainStateTests : IAsyncLifetime
{
    private const string StateName = "line"; // ProductLineGrain's persistent state
    private string _db = "";
    private readonly string _artefacts = Directory.CreateTempSubdirectory("reb-adonet-artefacts-").FullName;

    private sealed class TestState : IGrainState<ProductLineState>
    {
        [AllowNull] public ProductLineState State { get; set; } = new(); // as IGrainState<T>, whose setter takes null
        public string? ETag { get; set; }
        public bool RecordExists { get; set; }
    }

    public async Task InitializeAsync() => _db = await PostgresDatabases.CreateAsync();

    public async Task DisposeAsync()
    {
        await PostgresDatabases.DropAsync(_db);
        try { Directory.Delete(_artefacts, recursive: true); } catch (IOException) { }
    }

    private static IGrainStorage StorageOf(InProcessSiloHandle silo) =>
        silo.SiloHost.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Registry);

    /// <summary>Read, add one version entry, write; on an ETag conflict read again and redo it (what a grain that lost
    /// the race does on its next activation).</summary>
    private static async Task<int> AppendAsync(IGrainStorage storage, GrainId line, string version)
    {
        for (int conflicts = 0; ; conflicts++)
        {
            var s = new TestState();
            await storage.ReadStateAsync(StateName, line, s);
            s.State.Versions.Add(new ModelVersionEntry(version, DateTimeOffset.UnixEpoch, "test"));
            try
            {
                await storage.WriteStateAsync(StateName, line, s);
                return conflicts;
            }
            catch (InconsistentStateException) when (conflicts < 1000) { }
        }
    }

    [Fact]
    public async Task Two_silos_writing_the_same_lines_state_at_once_never_lose_a_write()
    {
        await using var cluster =
            await RebTestCluster.StartAsync(2, _artefacts, new RebTestClusterOptions { AdoNetConnectionString = _db });
        var (a, b) = (StorageOf(cluster.Silos[0]), StorageOf(cluster.Silos[1]));
        Assert.NotSame(a, b);
        var line = GrainId.Create("productline", "pcb-adonet");

        // Both silos read the same state; the first write wins, the second (on the stale ETag) is refused.
        var first = new TestState();
        var second = new TestState();
        await a.ReadStateAsync(StateName, line, first);
        await b.ReadStateAsync(StateName, line, second);
        first.State.Versions.Add(new ModelVersionEntry("from-silo-1", DateTimeOffset.UnixEpoch, "test"));
        second.State.Versions.Add(new ModelVersionEntry("from-silo-2", DateTimeOffset.UnixEpoch, "test"));
        await a.WriteStateAsync(StateName, line, first);
        await Assert.ThrowsAsync<InconsistentStateException>(() => b.WriteStateAsync(StateName, line, second));
        // The refused write is redone on the state as it is now: both writes are kept.
        Assert.Equal(0, await AppendAsync(b, line, "from-silo-2"));

        // Then many writes from both silos at once, each retried on conflict: none is lost.
        const int perSilo = 25;
        var writes = Enumerable.Range(0, perSilo).SelectMany(i => new[]
        {
            Task.Run(() => AppendAsync(a, line, $"a-{i}")),
            Task.Run(() => AppendAsync(b, line, $"b-{i}")),
        }).ToList();
        var conflicts = (await Task.WhenAll(writes)).Sum();

        var read = new TestState();
        await a.ReadStateAsync(StateName, line, read);
        var expected = new[] { "from-silo-1", "from-silo-2" }
            .Concat(Enumerable.Range(0, perSilo).SelectMany(i => new[] { $"a-{i}", $"b-{i}" })).Order().ToList();
        Assert.Equal(expected, read.State.Versions.Select(v => v.Version).Order().ToList());
        Assert.True(conflicts > 0, "the concurrent writes never met: the test did not exercise the ETag check");
        // one version per write that landed, none for a refused one
        Assert.Equal((2 + 2 * perSilo).ToString(), read.ETag);

        // The grain reads what the silos wrote.
        var status = await cluster.Client.GetGrain<IProductLineGrain>("pcb-adonet").GetStatus();
        Assert.Equal(expected.Count, status.Versions.Count);
    }

    [Fact]
    public async Task A_cluster_on_PostgreSQL_membership_and_storage_keeps_a_grains_state_when_its_silo_goes()
    {
        await using var cluster =
            await RebTestCluster.StartAsync(2, _artefacts, new RebTestClusterOptions { AdoNetConnectionString = _db });
        Assert.Equal(2, await ActiveSilosInPostgresAsync());

        var grain = cluster.Client.GetGrain<IProductLineGrain>("kept-line");
        await grain.SetShards(7);
        var holder = cluster.Silos.Single(s => cluster.TryGetGrainContext(grain.GetGrainId(), out var ctx)
                                               && Equals(ctx!.Address.SiloAddress, s.SiloAddress));
        await cluster.StopSiloAsync(holder);

        // Re-activated on the other silo, from PostgreSQL.
        Assert.Equal(7, (await grain.GetStatus()).Shards);
        await grain.SetShards(9);

        // A new silo joins through the membership table, and the state is still the last one written.
        await cluster.StartAdditionalSiloAsync();
        await cluster.WaitForLivenessToStabilizeAsync();
        Assert.Equal(2, await ActiveSilosInPostgresAsync());
        await cluster.DeactivateAsync(grain); // read again from the store
        Assert.Equal(9, (await grain.GetStatus()).Shards);
        Assert.Equal(1,
            await ScalarAsync("SELECT count(*) FROM reb_grain_state WHERE id_extension LIKE '%kept-line%'"));
    }

    [Fact]
    public async Task The_schema_is_applied_again_without_change()
    {
        await AdoNetSchema.ApplyAsync(_db);
        await AdoNetSchema.ApplyAsync(_db);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => AdoNetSchema.ApplyAsync(_db))); // silos starting together
        Assert.Equal(13, await ScalarAsync("SELECT count(*) FROM OrleansQuery"));
    }

    private async Task<long> ActiveSilosInPostgresAsync() =>
        await ScalarAsync("SELECT count(*) FROM reb_membership WHERE status = 3"); // SiloStatus.Active

    private async Task<long> ScalarAsync(string sql)
    {
        await using var c = new NpgsqlConnection(_db);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync());
    }
}
