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
    /// <summary>Adds or replaces a record (replacing is how the bootstrap key is re-installed at start).</summary>
    Task Put(ApiKeyRecord record);
    [ReadOnly] Task<ApiKeyRecord?> Find(string id);
    [ReadOnly] Task<IReadOnlyList<ApiKeyRecord>> List(string site);
    /// <summary>Removes the key; false when there was none.</summary>
    Task<bool> Revoke(string id);
}
