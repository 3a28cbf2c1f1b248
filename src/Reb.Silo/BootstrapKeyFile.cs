using Microsoft.Extensions.Configuration;
using Reb.Gateway;

namespace Reb.Silo;

/// <summary>
/// The first admin key from a file ("Reb:Gateway:BootstrapAdminKeyFile", e.g. a Kubernetes Secret mounted as a volume)
/// instead of the command line, where every local user sees it in `ps`. The environment variable
/// REB__GATEWAY__BOOTSTRAPADMINKEY works as well (configuration binding); the file wins when both are set. A missing or
/// empty file stops the silo, unless "Reb:Gateway:BootstrapAdminKeyFileOptional" is true (a Secret mounted as optional
/// and deleted once real keys exist): then there is no bootstrap key.
/// </summary>
public static class BootstrapKeyFile
{
    public static void Apply(IConfigurationManager configuration) => SecretFile.Apply(configuration,
        $"{GatewayOptions.Section}:{nameof(GatewayOptions.BootstrapAdminKeyFile)}",
        $"{GatewayOptions.Section}:{nameof(GatewayOptions.BootstrapAdminKey)}",
        optional: bool.TryParse(
            configuration[$"{GatewayOptions.Section}:{nameof(GatewayOptions.BootstrapAdminKeyFileOptional)}"],
            out var o) && o);
}
