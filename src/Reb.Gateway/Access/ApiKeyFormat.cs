using System.Security.Cryptography;

namespace Reb.Gateway.Access;

/// <summary>
/// Keys look like "reb_&lt;id&gt;_&lt;secret&gt;": the id (12 lower-case hex) finds the stored record, the secret
/// (64 lower-case hex = 256 random bits) is checked against its salted hash.
/// </summary>
public static class ApiKeyFormat
{
    public const string Prefix = "reb_";

    /// <summary>A new random key and its parts.</summary>
    public static (string Key, string Id, string Secret) Generate()
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        return ($"{Prefix}{id}_{secret}", id, secret);
    }

    /// <summary>Splits a presented key; false when it does not have the key shape.</summary>
    public static bool TryParse(string? key, out string id, out string secret)
    {
        id = secret = "";
        if (key is null || !key.StartsWith(Prefix, StringComparison.Ordinal)) return false;
        var rest = key.AsSpan(Prefix.Length);
        int sep = rest.IndexOf('_');
        if (sep <= 0 || sep == rest.Length - 1 || sep > 64) return false;
        id = rest[..sep].ToString();
        secret = rest[(sep + 1)..].ToString();
        return true;
    }
}
