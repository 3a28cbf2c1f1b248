using Npgsql;

namespace Reb.Cluster.Tests.TestSupport;

/// <summary>
/// The PostgreSQL that infra/start-services.sh starts (127.0.0.1, port REB_POSTGRES_PORT or 5433, user "reb", trust
/// auth on loopback), or the server named by REB_TEST_POSTGRES. Each test gets a fresh database of its own and drops
/// it. </summary>
public static class PostgresDatabases
{
    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable("REB_TEST_POSTGRES") is { Length: > 0 } s ? s
            : $"Host=127.0.0.1;Port={Environment.GetEnvironmentVariable("REB_POSTGRES_PORT") ?? "5433"};Username=reb;" +
            "Database=reb;Timeout=10";

    /// <summary>Creates an empty database and returns its connection string; fails with what to run when the server is
    /// not there.</summary>
    public static async Task<string> CreateAsync()
    {
        var name = "reb_test_" + Guid.NewGuid().ToString("N")[..12];
        try
        {
            await using var c = new NpgsqlConnection(ServerConnectionString);
            await c.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", c);
            await cmd.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException e)
        {
            throw new InvalidOperationException($"PostgreSQL is not reachable ({e.Message}): run `bash " +
                "infra/start-services.sh` (or set REB_TEST_POSTGRES)", e);
        }
        return new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = name }.ConnectionString;
    }

    public static async Task DropAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        await using var c = new NpgsqlConnection(ServerConnectionString);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", c);
        await cmd.ExecuteNonQueryAsync();
    }
}
