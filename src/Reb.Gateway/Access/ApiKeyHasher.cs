using System.Security.Cryptography;
using System.Text;

namespace Reb.Gateway.Access;

/// <summary>
/// Salted hashes of key secrets: HMAC-SHA256 keyed with a per-key random salt. Secrets are 256 random bits, so a slow
/// password hash (PBKDF2) would add milliseconds to every request without making guessing any harder; the salt makes
/// equal secrets hash differently and the comparison is constant-time.
/// </summary>
public static class ApiKeyHasher
{
    public const int SaltBytes = 16;

    public static byte[] NewSalt() => RandomNumberGenerator.GetBytes(SaltBytes);

    public static byte[] Hash(string secret, byte[] salt) => HMACSHA256.HashData(salt, Encoding.UTF8.GetBytes(secret));

    /// <summary>True when <paramref name="secret"/> hashes to <paramref name="expectedHash"/> with <paramref
    /// name="salt"/> (constant time).</summary>
    public static bool Verify(string secret, byte[] salt, byte[] expectedHash) =>
        CryptographicOperations.FixedTimeEquals(Hash(secret, salt), expectedHash);
}
