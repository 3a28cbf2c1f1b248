using System.Data.Common;

namespace Reb.Storage.Inspections;

/// <summary>
/// The history on any SQL database both dialects understand: the same tables, statements and parameters ('@name') serve
/// SQLite and PostgreSQL (<c>ON CONFLICT</c> upserts, <c>LIMIT</c>, BIGINT/DOUBLE PRECISION/TEXT columns). Times are
/// stored as Unix milliseconds (UTC): one representation that sorts and compares the same in both.
/// A connection per call: both providers pool them, and a call never holds one across awaits of other work.
/// </summary>
public abstract class SqlInspectionHistory : IInspectionHistory
{
    private const string Columns = "id, site, line, version, score, reject, threshold, latency_ms, time_ms, " +
        "image_name, image_key, overlay_key, review, reviewer, reviewed_ms, note, bank_version";

    public abstract string Description { get; }

    protected abstract DbConnection NewConnection();

    /// <summary>Statements run before the migrations (<see cref="HistorySchema"/>, in their transaction): PostgreSQL
    /// takes a lock so that silos starting together do not race.</summary>
    protected virtual IEnumerable<string> SchemaPrelude => [];

    /// <summary>Dialect-specific set-up after the schema exists (SQLite: write-ahead log).</summary>
    protected virtual IEnumerable<string> SchemaEpilogue => [];

    public async Task EnsureSchemaAsync(CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct);
        await using (var tx = await c.BeginTransactionAsync(ct))
        {
            foreach (var sql in SchemaPrelude) await Exec(c, tx, sql, ct);
            await HistorySchema.MigrateAsync(c, tx, Description, ct);
            await tx.CommitAsync(ct);
        }
        foreach (var sql in SchemaEpilogue) await Exec(c, null, sql, ct);
    }

    public async Task AddAsync(InspectionEntry e, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = $"INSERT INTO inspections ({Columns}) VALUES (@id, @site, @line, @version, @score, " +
            "@reject, @threshold, @latency, @time, " +
                          "@image_name, @image_key, @overlay_key, @review, @reviewer, @reviewed, @note, @bank) ON " +
                          "CONFLICT (id) DO NOTHING";
        Add(cmd, "id", e.Id); Add(cmd, "site", e.Site); Add(cmd, "line", e.Line); Add(cmd, "version", e.Version);
        Add(cmd, "score", e.Score); Add(cmd, "reject", e.Reject ? 1 : 0); Add(cmd, "threshold", e.Threshold);
        Add(cmd, "latency", e.LatencyMs);
        Add(cmd, "time", e.TimeUtc.ToUnixTimeMilliseconds()); Add(cmd, "image_name", e.ImageName);
        Add(cmd, "image_key", e.ImageKey);
        Add(cmd, "overlay_key", e.OverlayKey); Add(cmd, "review", (int)e.Review); Add(cmd, "reviewer", e.Reviewer);
        Add(cmd, "reviewed", e.ReviewedUtc?.ToUnixTimeMilliseconds()); Add(cmd, "note", e.Note);
        Add(cmd, "bank", e.BankVersion);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<InspectionEntry?> GetAsync(string site, string line, string id, CancellationToken ct = default)
    {
        var rows =
            await ReadAsync($"SELECT {Columns} FROM inspections WHERE site = @site AND line = @line AND id = @id",
            cmd => { Add(cmd, "site", site); Add(cmd, "line", line); Add(cmd, "id", id); }, ct);
        return rows.Count == 0 ? null : rows[0];
    }

    public Task<IReadOnlyList<InspectionEntry>> QueryAsync(InspectionQuery q, CancellationToken ct = default)
    {
        var (where, bind) = Filter(q);
        return ReadAsync($"SELECT {Columns} FROM inspections WHERE {where} ORDER BY time_ms DESC, id DESC LIMIT @limit",
            bind, ct);
    }

    public async IAsyncEnumerable<InspectionEntry> StreamAsync(InspectionQuery q,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        var (where, bind) = Filter(q);
        await using var c = await OpenAsync(ct);
        await using var cmd = c.CreateCommand();
        cmd.CommandText =
            $"SELECT {Columns} FROM inspections WHERE {where} ORDER BY time_ms DESC, id DESC LIMIT @limit";
        bind(cmd);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) yield return Row(r);
    }

    public async Task<int> CountAsync(InspectionQuery q, CancellationToken ct = default)
    {
        var (where, bind) = Filter(q);
        await using var c = await OpenAsync(ct);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT COUNT(*) FROM (SELECT 1 FROM inspections WHERE {where} LIMIT @limit) AS matching";
        bind(cmd);
        return Convert.ToInt32(await cmd.ExecuteScalarAsync(ct));
    }

    /// <summary>The WHERE clause of a query and the binding of its parameters (limit included).</summary>
    private (string Where, Action<DbCommand> Bind) Filter(InspectionQuery q)
    {
        var where = new List<string> { "site = @site", "line = @line" };
        if (q.From is not null) where.Add("time_ms >= @from");
        if (q.To is not null) where.Add("time_ms < @to");
        if (q.Verdict != VerdictFilter.Any) where.Add("reject = @reject");
        where.Add(q.Review switch
        {
            ReviewFilter.None => "review = 0",
            ReviewFilter.Reviewed => "review <> 0",
            ReviewFilter.Confirmed => "review = 1",
            ReviewFilter.Overturned => "review = 2",
            _ => "1 = 1",
        });
        if (q.WithImageOnly) where.Add("image_key IS NOT NULL");
        return (string.Join(" AND ", where), cmd =>
        {
            Add(cmd, "site", q.Site); Add(cmd, "line", q.Line);
            if (q.From is { } f) Add(cmd, "from", f.ToUnixTimeMilliseconds());
            if (q.To is { } t) Add(cmd, "to", t.ToUnixTimeMilliseconds());
            if (q.Verdict != VerdictFilter.Any) Add(cmd, "reject", q.Verdict == VerdictFilter.Reject ? 1 : 0);
            Add(cmd, "limit", Math.Max(1, q.Limit));
        });
    }

    public async Task<InspectionEntry?> ReviewAsync(string site, string line, string id, ReviewState state,
        string reviewer, DateTimeOffset at,
        string? note, CancellationToken ct = default)
    {
        await using (var c = await OpenAsync(ct))
        await using (var cmd = c.CreateCommand())
        {
            cmd.CommandText =
                "UPDATE inspections SET review = @review, reviewer = @reviewer, reviewed_ms = @at, note = @note " +
                              "WHERE site = @site AND line = @line AND id = @id";
            Add(cmd, "review", (int)state); Add(cmd, "reviewer", reviewer); Add(cmd, "at", at.ToUnixTimeMilliseconds());
            Add(cmd, "note", note);
            Add(cmd, "site", site); Add(cmd, "line", line); Add(cmd, "id", id);
            if (await cmd.ExecuteNonQueryAsync(ct) == 0) return null;
        }
        return await GetAsync(site, line, id, ct);
    }

    public Task MarkBankedAsync(string site, string line, IReadOnlyCollection<string> ids, string version,
        CancellationToken ct = default) =>
        ForEachId(site, line, ids, "UPDATE inspections SET bank_version = @bank", cmd => Add(cmd, "bank", version), ct);

    public async Task<RetentionPolicy?> GetRetentionAsync(string site, string line, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT days, max_images FROM inspection_retention WHERE site = @site AND line = @line";
        Add(cmd, "site", site); Add(cmd, "line", line);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct)
            ? new RetentionPolicy(Convert.ToInt32(r.GetValue(0)), Convert.ToInt32(r.GetValue(1))) : null;
    }

    public async Task SetRetentionAsync(string site, string line, RetentionPolicy policy,
        CancellationToken ct = default)
    {
        policy.Check();
        await using var c = await OpenAsync(ct);
        await using var cmd = c.CreateCommand();
        cmd.CommandText =
            "INSERT INTO inspection_retention (site, line, days, max_images) VALUES (@site, @line, @days, @max) " +
                          "ON CONFLICT (site, line) DO UPDATE SET days = excluded.days, max_images = " +
                          "excluded.max_images";
        Add(cmd, "site", site); Add(cmd, "line", line); Add(cmd, "days", policy.Days);
        Add(cmd, "max", policy.MaxStoredImages);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<IReadOnlyList<(string Site, string Line)>> LinesAsync(CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT DISTINCT site, line FROM inspections ORDER BY site, line";
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var result = new List<(string, string)>();
        while (await r.ReadAsync(ct)) result.Add((r.GetString(0), r.GetString(1)));
        return result;
    }

    public Task<IReadOnlyList<InspectionEntry>> OlderThanAsync(string site, string line, DateTimeOffset cutoff,
        int limit, CancellationToken ct = default) =>
        ReadAsync($"SELECT {Columns} FROM inspections WHERE site = @site AND line = @line AND time_ms < @cutoff " +
            "ORDER BY time_ms, id LIMIT @limit",
            cmd => { Add(cmd, "site", site); Add(cmd, "line", line);
                Add(cmd, "cutoff", cutoff.ToUnixTimeMilliseconds()); Add(cmd, "limit", limit); }, ct);

    public Task<IReadOnlyList<InspectionEntry>> ImagesBeyondAsync(string site, string line, int keep, int limit,
        CancellationToken ct = default) =>
        ReadAsync($"SELECT {Columns} FROM inspections WHERE site = @site AND line = @line AND review = 0 AND " +
            "(image_key IS NOT NULL OR overlay_key IS NOT NULL) " +
                  "ORDER BY time_ms DESC, id DESC LIMIT @limit OFFSET @keep",
            cmd => { Add(cmd, "site", site); Add(cmd, "line", line); Add(cmd, "keep", keep);
                Add(cmd, "limit", limit); }, ct);

    public Task DeleteAsync(string site, string line, IReadOnlyCollection<string> ids,
        CancellationToken ct = default) =>
        ForEachId(site, line, ids, "DELETE FROM inspections", _ => { }, ct);

    public async Task<IReadOnlySet<string>> VersionsAwaitingReviewAsync(string site, string line,
        CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT DISTINCT version FROM inspections WHERE site = @site AND line = @line AND review = 0";
        Add(cmd, "site", site); Add(cmd, "line", line);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var result = new HashSet<string>(StringComparer.Ordinal);
        while (await r.ReadAsync(ct)) result.Add(r.GetString(0));
        return result;
    }

    public async Task<IReadOnlySet<string>> ImageKeysNamedAsync(string site, string line,
        IReadOnlyCollection<string> ids,
        CancellationToken ct = default)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in ids.Distinct().Chunk(200))
        {
            // One parameter per id: portable (no array parameters in SQLite).
            var names = chunk.Select((_, i) => "@id" + i).ToList();
            var rows = await ReadAsync($"SELECT {Columns} FROM inspections WHERE site = @site AND line = @line AND " +
                $"id IN ({string.Join(", ", names)})",
                cmd =>
                {
                    Add(cmd, "site", site); Add(cmd, "line", line);
                    for (int i = 0; i < chunk.Length; i++) Add(cmd, "id" + i, chunk[i]);
                }, ct);
            foreach (var e in rows)
                foreach (var key in new[] { e.ImageKey, e.OverlayKey })
                    if (key is not null) result.Add(key);
        }
        return result;
    }

    public Task ClearImagesAsync(string site, string line, IReadOnlyCollection<string> ids,
        CancellationToken ct = default) =>
        ForEachId(site, line, ids, "UPDATE inspections SET image_key = NULL, overlay_key = NULL", _ => { }, ct);

    /// <summary>One statement per id in one transaction: portable (no array parameters in SQLite) and the batches are
    /// small.</summary>
    private async Task ForEachId(string site, string line, IReadOnlyCollection<string> ids, string statement,
        Action<DbCommand> extra, CancellationToken ct)
    {
        if (ids.Count == 0) return;
        await using var c = await OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        foreach (var id in ids)
        {
            await using var cmd = c.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = statement + " WHERE site = @site AND line = @line AND id = @id";
            extra(cmd);
            Add(cmd, "site", site); Add(cmd, "line", line); Add(cmd, "id", id);
            await cmd.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
    }

    private async Task<IReadOnlyList<InspectionEntry>> ReadAsync(string sql, Action<DbCommand> bind,
        CancellationToken ct)
    {
        await using var c = await OpenAsync(ct);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        bind(cmd);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var result = new List<InspectionEntry>();
        while (await r.ReadAsync(ct)) result.Add(Row(r));
        return result;
    }

    private static InspectionEntry Row(DbDataReader r)
    {
        string? S(int i) => r.IsDBNull(i) ? null : r.GetString(i);
        long? L(int i) => r.IsDBNull(i) ? null : Convert.ToInt64(r.GetValue(i));
        return new InspectionEntry(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3),
            Convert.ToDouble(r.GetValue(4)),
            Convert.ToInt32(r.GetValue(5)) != 0, Convert.ToDouble(r.GetValue(6)), Convert.ToDouble(r.GetValue(7)),
            DateTimeOffset.FromUnixTimeMilliseconds(L(8)!.Value), S(9), S(10), S(11),
            (ReviewState)Convert.ToInt32(r.GetValue(12)), S(13),
            L(14) is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null, S(15), S(16));
    }

    private async Task<DbConnection> OpenAsync(CancellationToken ct)
    {
        var c = NewConnection();
        try { await c.OpenAsync(ct); }
        catch { await c.DisposeAsync(); throw; }
        return c;
    }

    private static async Task Exec(DbConnection c, DbTransaction? tx, string sql, CancellationToken ct)
    {
        await using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static void Add(DbCommand cmd, string name, object? value)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = "@" + name;
        p.Value = value ?? DBNull.Value;
        cmd.Parameters.Add(p);
    }
}
