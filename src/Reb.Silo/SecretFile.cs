using Microsoft.Extensions.Configuration;

namespace Reb.Silo;

/// <summary>
/// A secret setting read from a file (a mounted Kubernetes Secret) instead of the command line, where every local user
/// sees it in `ps`: when <c>fileSetting</c> names a file, its trimmed text becomes <c>valueSetting</c>. A missing or
/// empty file stops the silo, naming the setting, unless it is optional: then the setting stays as it was.
/// </summary>
public static class SecretFile
{
    public static void Apply(IConfigurationManager configuration, string fileSetting, string valueSetting,
        bool optional = false)
    {
        var path = configuration[fileSetting];
        if (string.IsNullOrWhiteSpace(path)) return;
        if (optional && (!File.Exists(path) || File.ReadAllText(path).Trim().Length == 0)) return;
        if (!File.Exists(path))
            throw new FileNotFoundException($"{fileSetting} '{path}' does not exist", path);
        var secret = File.ReadAllText(path).Trim();
        if (secret.Length == 0) throw new InvalidDataException($"{fileSetting} '{path}' is empty");
        configuration.AddInMemoryCollection([new(valueSetting, secret)]);
    }
}
