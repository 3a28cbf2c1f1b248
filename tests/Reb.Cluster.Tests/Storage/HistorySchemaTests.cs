using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;
using Reb.Cluster.Tests.TestSupport;
using Reb.Storage.Inspections;

namespace Reb.Cluster.Tests.Storage;

/// <summary>
/// The history's schema versions on both databases: a database made before versions were recorded (the tables as the
/// first release created them, with rows in them) is brought to the latest version at start-up with its rows intact; a
/// database a newer build has migrated is refused by name instead of being written to.
/// </summary>
public sealed class HistorySchemaTests : IAsyncLifetime
{
    private readonly string _work = Directory.CreateTempSubdirectory("reb-schema-").FullName;
    private readonly List<string> _databases = [];
    private readonly List<IDisposable> _owned = [];

    /// <summary>The first release's schema, exactly as it created it (no schema_version table).</summary>
    private static readonly string[] UnversionedSchema =
    [
        "CREATE TABLE inspections (id TEXT NOT NULL PRIMARY KEY, site TEXT NOT NULL, line TEXT NOT NULL, version " +
        "TEXT NOT NULL, " +
        "score DOUBLE PRECISION NOT NULL, reject INTEGER NOT NULL, threshold DOUBLE PRECISION NOT NULL, latency_ms " +
        "DOUBLE PRECISION NOT NULL, " +
        "time_ms BIGINT NOT NULL, image_name TEXT NULL, image_key TEXT NULL, overlay_key TEXT NULL, review INTEGER " +
        "NOT NULL DEFAULT 0, " +
        "reviewer TEXT NULL, reviewed_ms BIGINT NULL, note TEXT NULL, bank_version TEXT NULL)",
        "CREATE INDEX ix_inspections_line_time ON inspections (site, line, time_ms)",
        "CREATE TABLE inspection_retention (site TEXT NOT NULL, line TEXT NOT NULL, days INTEGER NOT NULL, " +
        "max_images INTEGER NOT NULL, " +
        "PRIMARY KEY (site, line))",
        "INSERT INTO inspections (id, site, line, version, score, reject, threshold, latency_ms, time_ms) " +
        "VALUES ('old-1', 'site-a', 'pcb', 'sha256-v0', 42.5, 1, 10.5, 3.0, 1767225600000)",
    ];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var d in _owned) d.Dispose();
        foreach (var db in _databases) await PostgresDatabases.DropAsync(db);
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_work, true); } catch (IOException) { }
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task An_unversioned_database_is_migrated_at_start_up_and_keeps_its_rows(string kind)
    {
        var (history, connect) = await CreateAsync(kind);
        await RunAsync(connect, UnversionedSchema);

        await history.EnsureSchemaAsync();

        Assert.Equal(HistorySchema.Latest, await VersionAsync(connect));
        var old = await history.GetAsync("site-a", "pcb", "old-1");
        Assert.NotNull(old);
        Assert.Equal(42.5, old.Score);
        Assert.True(old.Reject);
        await history.EnsureSchemaAsync(); // a restart: nothing left to apply
        Assert.Equal(HistorySchema.Latest, await VersionAsync(connect));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_database_from_a_newer_build_is_refused_by_name(string kind)
    {
        var (history, connect) = await CreateAsync(kind);
        await history.EnsureSchemaAsync();
        await RunAsync(connect, [$"UPDATE schema_version SET version = {HistorySchema.Latest + 1} WHERE id = 1"]);

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => history.EnsureSchemaAsync());
        Assert.Contains($"schema version {HistorySchema.Latest + 1}", e.Message);
        Assert.Contains("newer than this build", e.Message);
    }

    private async Task<(IInspectionHistory History, Func<DbConnection> Connect)> CreateAsync(string kind)
    {
        if (kind == "sqlite")
        {
            var path = Path.Combine(_work, Guid.NewGuid().ToString("N") + ".db");
            return (new SqliteInspectionHistory(path), () => new SqliteConnection($"Data Source={path}"));
        }
        var cs = await PostgresDatabases.CreateAsync();
        _databases.Add(cs);
        var postgres = new PostgresInspectionHistory(cs);
        _owned.Add(postgres);
        return (postgres, () => new NpgsqlConnection(cs));
    }

    private static async Task RunAsync(Func<DbConnection> connect, IEnumerable<string> statements)
    {
        await using var c = connect();
        await c.OpenAsync();
        foreach (var sql in statements)
        {
            await using var cmd = c.CreateCommand();
            cmd.CommandText = sql;
            await cmd.ExecuteNonQueryAsync();
        }
    }

    private static async Task<int> VersionAsync(Func<DbConnection> connect)
    {
        await using var c = connect();
        await c.OpenAsync();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT version FROM schema_version WHERE id = 1";
        return Convert.ToInt32(await cmd.ExecuteScalarAsync());
    }
}
