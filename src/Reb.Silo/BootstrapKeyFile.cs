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
    public static void Apply(IConfigurationManager configuration)
    {
        var path = configuration[$"{GatewayOptions.Section}:{nameof(GatewayOptions.BootstrapAdminKeyFile)}"];
        if (string.IsNullOrWhiteSpace(path)) return;
        var optional = bool.TryParse(
            configuration[$"{GatewayOptions.Section}:{nameof(GatewayOptions.BootstrapAdminKeyFileOptional)}"],
            out var o) && o;
        if (optional && (!File.Exists(path) || File.ReadAllText(path).Trim().Length == 0)) return;
        if (!File.Exists(path))
            throw new FileNotFoundException($"{GatewayOptions.Section}:{nameof(GatewayOptions.BootstrapAdminKeyFile)}" +
                $" '{path}' does not exist", path);
        var key = File.ReadAllText(path).Trim();
        if (key.Length == 0) throw new InvalidDataException(
            $"{GatewayOptions.Section}:{nameof(GatewayOptions.BootstrapAdminKeyFile)} '{path}' is empty");
        configuration.AddInMemoryCollection(
            [new($"{GatewayOptions.Section}:{nameof(GatewayOptions.BootstrapAdminKey)}", key)]);
    }
}
