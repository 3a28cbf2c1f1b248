using System.Data.Common;
using Npgsql;

namespace Reb.Storage.Inspections;

/// <summary>
/// The history in PostgreSQL: one database every silo of a cluster writes to, so an inspection answered by a silo that
/// dies afterwards is still there. A silo that cannot reach it fails at start-up (<see cref="EnsureSchemaAsync"/>),
/// naming the server, rather than answering inspections it cannot record.
/// </summary>
public sealed class PostgresInspectionHistory : SqlInspectionHistory, IDisposable
{
    /// <summary>Advisory lock key of the schema creation (any constant: silos starting together take turns).</summary>
    private const long SchemaLock = 0x5245_4249_4E53; // "REBINS"

    private readonly NpgsqlDataSource _source;

    public PostgresInspectionHistory(string connectionString)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        // Short connect timeout: an unreachable server must fail a silo's start-up within seconds, not hang it.
        if (!connectionString.Contains("timeout", StringComparison.OrdinalIgnoreCase)) b.Timeout = 10;
        Description = $"postgres: {b.Host}:{b.Port}/{b.Database}";
        _source = NpgsqlDataSource.Create(b.ConnectionString);
    }

    public override string Description { get; }

    protected override DbConnection NewConnection() => _source.CreateConnection();

    protected override IEnumerable<string> SchemaPrelude => [$"SELECT pg_advisory_xact_lock({SchemaLock})"];

    public void Dispose() => _source.Dispose();
}
