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
    /// <summary>Adds or replaces a record, audited as created by <see cref="ApiKeyRecord.CreatedBy"/>.</summary>
    Task Put(ApiKeyRecord record);
    [ReadOnly] Task<ApiKeyRecord?> Find(string id);
    [ReadOnly] Task<IReadOnlyList<ApiKeyRecord>> List(string site);
    /// <summary>Removes the key (audited with <paramref name="who"/>); false when there was none.</summary>
    Task<bool> Revoke(string id, AuditActor? who = null);
    /// <summary>Key creations and revocations of <paramref name="site"/>, newest first.</summary>
    [ReadOnly] Task<IReadOnlyList<AuditEntry>> GetAudit(string site, int take);
}
