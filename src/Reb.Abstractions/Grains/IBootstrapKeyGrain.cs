using Orleans.Concurrency;

namespace Reb.Abstractions.Grains;

/// <summary>
/// Revocation of a configured bootstrap admin key (key: the key's id). The bootstrap key lives in configuration (a
/// file or environment variable, hashed in memory) and so was never in the key store and could not be revoked; this
/// grain records its revocation durably, for every silo, so it stays revoked even though the configuration still
/// holds it. A new bootstrap key has a new id and is not affected.
/// </summary>
public interface IBootstrapKeyGrain : IGrainWithStringKey
{
    [ReadOnly] Task<bool> IsRevoked();
    Task Revoke(string by);
}
