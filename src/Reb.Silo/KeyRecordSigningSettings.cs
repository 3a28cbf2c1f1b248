using Microsoft.Extensions.Configuration;
using Reb.Gateway;

namespace Reb.Silo;

/// <summary>
/// The key-record signing secret of the gateway (<see cref="GatewayOptions.KeyRecordSigningKey"/>): read from
/// "Reb:Gateway:KeyRecordSigningKeyFile" when set (a mounted Secret, which unlike the bootstrap key stays for the
/// cluster's life), and required where the cluster is reachable from other machines (outside Development, clustering
/// other than localhost), the same rule as Orleans TLS: there the state store is a shared service, and without
/// signatures whoever can write it can forge an admin key. During a rotation the old secret comes from
/// "Reb:Gateway:PreviousKeyRecordSigningKeyFile" (optional: no file, no rotation).
/// </summary>
public static class KeyRecordSigningSettings
{
    private const string KeySetting = $"{GatewayOptions.Section}:{nameof(GatewayOptions.KeyRecordSigningKey)}";
    private const string FileSetting = $"{GatewayOptions.Section}:{nameof(GatewayOptions.KeyRecordSigningKeyFile)}";
    private const string PreviousSetting =
        $"{GatewayOptions.Section}:{nameof(GatewayOptions.PreviousKeyRecordSigningKey)}";
    private const string PreviousFileSetting =
        $"{GatewayOptions.Section}:{nameof(GatewayOptions.PreviousKeyRecordSigningKeyFile)}";

    public static void Apply(IConfigurationManager configuration, string environmentName)
    {
        SecretFile.Apply(configuration, FileSetting, KeySetting);
        // The secret being rotated out: an optional item of the same Secret, present only during a rotation.
        SecretFile.Apply(configuration, PreviousFileSetting, PreviousSetting, optional: true);
        var clustering = configuration[$"{SiloHostOptions.Section}:{nameof(SiloHostOptions.Clustering)}"]
            ?? new SiloHostOptions().Clustering;
        if (string.IsNullOrWhiteSpace(configuration[KeySetting])
            && Tls.OrleansTls.IsReachableByOtherHosts(environmentName, clustering))
            throw new InvalidOperationException($"{KeySetting} (or {FileSetting}) is required for a gateway in a " +
                $"'{clustering}' cluster outside Development: API key records in the state store are signed with it. " +
                "Use one secret of 32+ characters on every silo (e.g. `openssl rand -hex 32`), kept outside the " +
                "state store (for Kubernetes: the reb-key-signing Secret, see k8s/README.md)");
    }
}
