using Orleans.Concurrency;
using Reb.Abstractions.Contracts;

namespace Reb.Abstractions.Grains;

/// <summary>
/// The API key store (use key <see cref="Key"/>): records with salted hashes only. Hashing and checking happen in the
/// gateway; this grain never sees a secret.
/// </summary>
public interface IApiKeyStoreGrain : IGrainWithStringKey
{
    public const string Key = "keys";
    /// <summary>
    /// Adds or replaces a record, audited as created by <see cref="ApiKeyRecord.CreatedBy"/>. The same record again
    /// (a retry after a lost reply) changes nothing and audits nothing; the same fields with a signature where the
    /// stored record had none are audited as "key-sign", with another signature (a rotated secret) as "key-resign".
    /// </summary>
    Task Put(ApiKeyRecord record);
    [ReadOnly] Task<ApiKeyRecord?> Find(string id);
    [ReadOnly] Task<IReadOnlyList<ApiKeyRecord>> List(string site);
    /// <summary>Every site's records (the gateway's one-time signing of records written before signing).</summary>
    [ReadOnly] Task<IReadOnlyList<ApiKeyRecord>> ListAll();
    /// <summary>
    /// Removes the key (audited with <paramref name="who"/>); false when there was none. A retry with the same
    /// <paramref name="requestId"/> after a lost reply answers true again without a second audit entry.
    /// </summary>
    Task<bool> Revoke(string id, AuditActor? who = null, Guid? requestId = null);
    /// <summary>Key creations and revocations of <paramref name="site"/>, newest first.</summary>
    [ReadOnly] Task<IReadOnlyList<AuditEntry>> GetAudit(string site, int take);
}
