using System.Security.Cryptography;
using System.Text;
using Reb.Abstractions.Contracts;

namespace Reb.Gateway.Access;

/// <summary>
/// Signs API key records before they are stored and checks them when they are read back. The state store holds only
/// salted hashes, but whoever can write it could otherwise put in a record of their own (an admin key whose salt and
/// hash they chose) or raise an operator key to admin. The signature is an HMAC-SHA256 over every field of the record,
/// keyed by a secret that every gateway of the cluster shares and the state store never sees
/// (<see cref="GatewayOptions.KeyRecordSigningKey"/>); a record whose signature does not match is refused.
/// </summary>
public sealed class KeyRecordSigner
{
    public const int MinSecretLength = GatewayOptions.MinKeyRecordSigningKeyLength;

    private const string Purpose = "reb-api-key-record/1";
    private readonly byte[] _key;

    public KeyRecordSigner(string secret)
    {
        var s = secret.Trim();
        if (s.Length < MinSecretLength)
            throw new ArgumentException($"{GatewayOptions.Section}:{nameof(GatewayOptions.KeyRecordSigningKey)} must " +
                $"hold at least {MinSecretLength} characters (e.g. `openssl rand -hex 32`)");
        _key = Encoding.UTF8.GetBytes(s);
    }

    /// <summary>The record with its signature set.</summary>
    public ApiKeyRecord Sign(ApiKeyRecord record) => record with { Signature = Mac(record) };

    /// <summary>True when the record carries this secret's signature over its present fields.</summary>
    public bool IsValid(ApiKeyRecord record) =>
        record.Signature is { Length: 32 } signature && CryptographicOperations.FixedTimeEquals(signature, Mac(record));

    private byte[] Mac(ApiKeyRecord r)
    {
        // Every field, length-prefixed, so that no two records share their signed bytes.
        using var bytes = new MemoryStream();
        using (var w = new BinaryWriter(bytes, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Purpose);
            w.Write(r.Id);
            w.Write(r.Name);
            w.Write(r.Site);
            w.Write(r.Role);
            w.Write(r.Salt.Length);
            w.Write(r.Salt);
            w.Write(r.Hash.Length);
            w.Write(r.Hash);
            w.Write(r.CreatedUtc.UtcTicks);
            w.Write(r.CreatedBy);
        }
        return HMACSHA256.HashData(_key, bytes.ToArray());
    }
}
