using System.Data.Common;

namespace Reb.Storage.Inspections;

/// <summary>
/// The history database's schema as numbered migrations, applied at start-up inside one transaction and recorded in
/// <c>schema_version</c>. Migration n brings a database from version n - 1 to n; a released migration is never edited,
/// a change is a new one. Version 1 is the schema of databases made before versions were recorded (its statements are
/// all "if not exists", so such a database passes through it unchanged and is stamped).
/// </summary>
public static class HistorySchema
{
    private static readonly string[][] Migrations =
    [
        [
            """
            CREATE TABLE IF NOT EXISTS inspections (
                id TEXT NOT NULL PRIMARY KEY,
                site TEXT NOT NULL,
                line TEXT NOT NULL,
                version TEXT NOT NULL,
                score DOUBLE PRECISION NOT NULL,
                reject INTEGER NOT NULL,
                threshold DOUBLE PRECISION NOT NULL,
                latency_ms DOUBLE PRECISION NOT NULL,
                time_ms BIGINT NOT NULL,
                image_name TEXT NULL,
                image_key TEXT NULL,
                overlay_key TEXT NULL,
                review INTEGER NOT NULL DEFAULT 0,
                reviewer TEXT NULL,
                reviewed_ms BIGINT NULL,
                note TEXT NULL,
                bank_version TEXT NULL)
            """,
            "CREATE INDEX IF NOT EXISTS ix_inspections_line_time ON inspections (site, line, time_ms)",
            """
            CREATE TABLE IF NOT EXISTS inspection_retention (
                site TEXT NOT NULL,
                line TEXT NOT NULL,
                days INTEGER NOT NULL,
                max_images INTEGER NOT NULL,
                PRIMARY KEY (site, line))
            """,
        ],
        [
            // The review queue and the review filters of the history read a line's rows by review state, newest first.
            "CREATE INDEX IF NOT EXISTS ix_inspections_line_review ON inspections (site, line, review, time_ms)",
        ],
    ];

    /// <summary>The version this build brings a database to.</summary>
    public static int Latest => Migrations.Length;

    /// <summary>
    /// Applies the migrations the database lacks, inside <paramref name="tx"/>; returns the version it had.
    /// </summary>
    /// <exception cref="InvalidOperationException">The database was migrated by a newer build: this one would not
    /// know its columns, so it refuses to start rather than write rows the newer build cannot read.</exception>
    public static async Task<int> MigrateAsync(DbConnection c, DbTransaction tx, string description,
        CancellationToken ct)
    {
        await Exec(c, tx, "CREATE TABLE IF NOT EXISTS schema_version (id INTEGER NOT NULL PRIMARY KEY, version " +
            "INTEGER NOT NULL)", ct);
        int current;
        await using (var read = c.CreateCommand())
        {
            read.Transaction = tx;
            read.CommandText = "SELECT version FROM schema_version WHERE id = 1";
            current = await read.ExecuteScalarAsync(ct) is { } v and not DBNull ? Convert.ToInt32(v) : 0;
        }
        if (current > Latest)
            throw new InvalidOperationException($"the inspection history {description} has schema version {current}, " +
                $"newer than this build's {Latest}: run the newer build, or restore a backup made before it was " +
                "upgraded");
        for (int v = current + 1; v <= Latest; v++)
            foreach (var sql in Migrations[v - 1]) await Exec(c, tx, sql, ct);
        if (current < Latest)
            await Exec(c, tx, $"INSERT INTO schema_version (id, version) VALUES (1, {Latest}) " +
                              $"ON CONFLICT (id) DO UPDATE SET version = {Latest}", ct);
        return current;
    }

    private static async Task Exec(DbConnection c, DbTransaction tx, string sql, CancellationToken ct)
    {
        await using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
