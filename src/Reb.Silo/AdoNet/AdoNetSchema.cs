using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Runtime;

namespace Reb.Silo.AdoNet;

/// <summary>
/// Applies <c>PostgresSchema.sql</c> (the tables and stored queries Orleans' ADO.NET clustering and grain storage read)
/// to the silo's PostgreSQL before either provider starts: a fresh database needs no manual step, and applying it again
/// changes nothing but the query texts. Silos starting together take turns on an advisory lock.
/// </summary>
public sealed class AdoNetSchema(string connectionString, ILogger<AdoNetSchema>? logger = null)
    : ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>The ADO.NET invariant of the providers: this schema is PostgreSQL's.</summary>
    public const string Invariant = "Npgsql";

    // Any fixed number: every silo of every cluster on this database serialises its schema step on it.
    private const long LockKey = 0x5245_425F_5343_484D; // "REB_SCHM"

    private static readonly Lazy<string> Script = new(() =>
    {
        using var s = typeof(AdoNetSchema).Assembly.GetManifestResourceStream("Reb.Silo.AdoNet.PostgresSchema.sql")
                      ?? throw new InvalidOperationException(
                          "the embedded PostgresSchema.sql is missing from Reb.Silo");
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    });

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(AdoNetSchema), ServiceLifecycleStage.First, ApplyAsync);

    public async Task ApplyAsync(CancellationToken ct)
    {
        try { await ApplyAsync(connectionString, ct); }
        catch (NpgsqlException e)
        {
            // The silo stops here with the setting to check, instead of later in a provider with a vaguer message.
            throw new InvalidOperationException(
                $"Reb:Silo:AdoNetConnectionString: cannot apply the Orleans schema to PostgreSQL ({e.Message})", e);
        }
        logger?.LogInformation("Orleans ADO.NET schema applied to PostgreSQL database {Database}",
            new NpgsqlConnectionStringBuilder(connectionString).Database);
    }

    public static async Task ApplyAsync(string connectionString, CancellationToken ct = default)
    {
        await using var c = new NpgsqlConnection(connectionString);
        await c.OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        await using (var lockCmd = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({LockKey})", c, tx))
            await lockCmd.ExecuteNonQueryAsync(ct);
        await using (var cmd = new NpgsqlCommand(Script.Value, c, tx))
            await cmd.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
    }
}
