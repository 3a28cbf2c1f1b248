using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Reb.Silo;

/// <summary>
/// Refuses to start with a secret that is publicly known: the shipped manifests' placeholders (anything containing
/// "REPLACE": applied unchanged they would give every reader of the repository the site's admin key or Redis
/// password) and, outside Development, the storage emulator's published account key aimed at anything but this
/// machine. The message names the setting, never its value.
/// </summary>
public static class PlaceholderSecrets
{
    /// <summary>The settings that hold secrets (keys, tokens, connection strings with passwords).</summary>
    public static readonly IReadOnlyList<string> Settings =
    [
        "Reb:Gateway:BootstrapAdminKey", "Reb:Gateway:KeyRecordSigningKey", "Reb:Gateway:PreviousKeyRecordSigningKey",
        "Reb:Gateway:MetricsToken",
        "Reb:Silo:AzureStorageConnectionString",
        "Reb:Silo:RedisConnectionString", "Reb:Silo:AdoNetConnectionString", "Reb:ArtefactStore:ConnectionString",
        "Reb:History:ConnectionString",
    ];

    /// <summary>Azurite's (and the old storage emulator's) account key, published in its documentation.</summary>
    public const string EmulatorAccountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    public static void Check(IConfiguration configuration, string environmentName)
    {
        foreach (var name in Settings)
        {
            var value = configuration[name];
            if (string.IsNullOrWhiteSpace(value)) continue;
            if (value.Contains("REPLACE", StringComparison.OrdinalIgnoreCase))
                throw new InvalidOperationException($"{name} holds a placeholder (it contains 'REPLACE'): set a " +
                    "real secret (for Kubernetes: create the Secret out of band, see k8s/README.md)");
            if (environmentName != Environments.Development
                && value.Contains(EmulatorAccountKey, StringComparison.Ordinal) && !PointsAtThisMachine(value))
                throw new InvalidOperationException($"{name} uses the storage emulator's published account key for a " +
                    $"remote endpoint outside Development ({environmentName}): use the account's own key");
        }
    }

    private static bool PointsAtThisMachine(string connectionString) =>
        connectionString.Contains("127.0.0.1", StringComparison.Ordinal)
        || connectionString.Contains("localhost", StringComparison.OrdinalIgnoreCase);
}
