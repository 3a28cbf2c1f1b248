using Microsoft.Extensions.Configuration;
using Reb.Gateway;

namespace Reb.Silo;

/// <summary>
/// The first admin key from a file ("Reb:Gateway:BootstrapAdminKeyFile", e.g. a Kubernetes Secret mounted as a volume)
/// instead of the command line, where every local user sees it in `ps`. The environment variable
/// REB__GATEWAY__BOOTSTRAPADMINKEY works as well (configuration binding); the file wins when both are set.
/// </summary>
public static class BootstrapKeyFile
{
    public static void Apply(IConfigurationManager configuration)
    {
        var path = configuration[$"{GatewayOptions.Section}:{nameof(GatewayOptions.BootstrapAdminKeyFile)}"];
        if (string.IsNullOrWhiteSpace(path)) return;
        if (!File.Exists(path))
            throw new FileNotFoundException($"{GatewayOptions.Section}:{nameof(GatewayOptions.BootstrapAdminKeyFile)} '{path}' does not exist", path);
        var key = File.ReadAllText(path).Trim();
        if (key.Length == 0) throw new InvalidDataException($"{GatewayOptions.Section}:{nameof(GatewayOptions.BootstrapAdminKeyFile)} '{path}' is empty");
        configuration.AddInMemoryCollection([new($"{GatewayOptions.Section}:{nameof(GatewayOptions.BootstrapAdminKey)}", key)]);
    }
}
