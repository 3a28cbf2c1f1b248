using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Reb.Abstractions.Client;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;

namespace Reb.Gateway.Access;

/// <summary>
/// Creates, checks, lists and revokes API keys. The store grain holds salted hashes only; the configured bootstrap
/// admin key is hashed here at start and kept as a hash in memory. Found records are cached for a few seconds so that a
/// request costs one HMAC, not a grain call; a revoke through this gateway drops the cached record at once. Unknown ids
/// are never cached (random ids would fill the cache) and the cache holds at most
/// <see cref="GatewayOptions.KeyCacheCapacity"/> records. With a signing key (<see cref="KeyRecordSigner"/>) every
/// record stored is signed and every record read must carry a valid signature: one changed or forged in the state
/// store authenticates nobody, and its refusal is logged by key id.
/// </summary>
public sealed class ApiKeyService
{
    public static readonly TimeSpan CacheTime = TimeSpan.FromSeconds(5);
    private readonly IGrainFactory _grains;
    private readonly RebClusterClient _cluster;
    private readonly ApiKeyRecord? _bootstrap;
    private readonly ConcurrentDictionary<string, (ApiKeyRecord Record, DateTime Until)> _cache = new();
    private readonly int _capacity;
    private (bool Revoked, DateTime Until) _bootstrapRevoked; // cached like records: one grain call per CacheTime
    private readonly ILogger<ApiKeyService> _log;
    private readonly ConcurrentDictionary<string, DateTime> _refusalLogged = new(); // one log line per id and minute

    public ApiKeyService(IGrainFactory grains, RebClusterClient cluster, IOptions<GatewayOptions> options,
        ILogger<ApiKeyService> log)
    {
        _grains = grains;
        _cluster = cluster;
        _log = log;
        var o = options.Value;
        Signer = string.IsNullOrWhiteSpace(o.KeyRecordSigningKey) ? null : new KeyRecordSigner(o.KeyRecordSigningKey);
        PreviousSigner = Signer is null || string.IsNullOrWhiteSpace(o.PreviousKeyRecordSigningKey) ? null
            : new KeyRecordSigner(o.PreviousKeyRecordSigningKey);
        _capacity = Math.Max(1, o.KeyCacheCapacity);
        if (!string.IsNullOrWhiteSpace(o.BootstrapAdminKey))
        {
            if (!ApiKeyFormat.TryParse(o.BootstrapAdminKey.Trim(), out var id, out var secret) || secret.Length < 16)
                throw new ArgumentException($"{GatewayOptions.Section}:BootstrapAdminKey must look like " +
                    "'reb_<id>_<secret>' with a secret of 16+ characters");
            var salt = ApiKeyHasher.NewSalt();
            _bootstrap = new ApiKeyRecord(id, "bootstrap-admin", o.DefaultSite, Roles.Admin, salt,
                ApiKeyHasher.Hash(secret, salt),
                DateTimeOffset.UtcNow, "configuration");
        }
    }

    /// <summary>Signs and checks stored records; null when no signing key is configured (records unsigned).</summary>
    public KeyRecordSigner? Signer { get; }

    /// <summary>Checks the records signed with the secret being rotated out (<see
    /// cref="GatewayOptions.PreviousKeyRecordSigningKey"/>); null when no rotation is in progress.</summary>
    public KeyRecordSigner? PreviousSigner { get; }

    /// <summary>False when a signing key is configured and the record carries a valid signature of neither it nor the
    /// secret being rotated out.</summary>
    public bool IsTrusted(ApiKeyRecord record) =>
        Signer is null || Signer.IsValid(record) || PreviousSigner?.IsValid(record) == true;

    private IApiKeyStoreGrain Store => _grains.GetGrain<IApiKeyStoreGrain>(IApiKeyStoreGrain.Key);

    /// <summary>Creates a key; the returned key text is the only time the secret exists outside the caller.</summary>
    public async Task<(ApiKeyRecord Record, string Key)> CreateAsync(string name, string site, string role,
        string createdBy, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 100)
            throw new ArgumentException("key name must be 1..100 characters");
        if (!Roles.IsValid(role))
            throw new ArgumentException($"role must be one of {string.Join(", ", Roles.All)}, got '{role}'");
        if (string.IsNullOrWhiteSpace(site)) throw new ArgumentException("site must not be empty");
        var (key, id, secret) = ApiKeyFormat.Generate();
        var salt = ApiKeyHasher.NewSalt();
        var record = new ApiKeyRecord(id, name.Trim(), site, role, salt, ApiKeyHasher.Hash(secret, salt),
            DateTimeOffset.UtcNow, createdBy);
        if (Signer is not null) record = Signer.Sign(record);
        // Put of the same record is idempotent (same id, same audit text), so a retry after a timeout is safe.
        await _cluster.RetryAsync(async () => { await Store.Put(record); return true; }, ct);
        return (record, key);
    }

    /// <summary>The caller a presented key stands for; null when it is malformed, unknown, revoked or wrong.</summary>
    public async Task<Caller?> AuthenticateAsync(string presented, CancellationToken ct = default)
    {
        if (!ApiKeyFormat.TryParse(presented.Trim(), out var id, out var secret)) return null;
        var record = await FindAsync(id, ct);
        if (record is null || !ApiKeyHasher.Verify(secret, record.Salt, record.Hash)) return null;
        return new Caller(record.Id, record.Name, record.Site, record.Role);
    }

    public async Task<IReadOnlyList<ApiKeyRecord>> ListAsync(string site, CancellationToken ct = default) =>
        await _cluster.RetryAsync(() => Store.List(site), ct);

    /// <summary>Revokes a key of <paramref name="site"/>; false when the site has no such key.</summary>
    public async Task<bool> RevokeAsync(string id, string site, AuditActor who, CancellationToken ct = default)
    {
        // The bootstrap key is not in the store: its revocation is a durable mark every gateway checks
        // (IBootstrapKeyGrain).
        if (_bootstrap is not null && id == _bootstrap.Id && site == _bootstrap.Site)
        {
            await _cluster.RetryAsync(async ()
                => { await _grains.GetGrain<IBootstrapKeyGrain>(id).Revoke(site); return true; }, ct);
            _bootstrapRevoked = (true, DateTime.MaxValue);
            return true;
        }
        var record = await _cluster.RetryAsync(() => Store.Find(id), ct);
        if (record is null || record.Site != site) return false;
        _cache.TryRemove(id, out _);
        // One request id for every retry: a retry after a lost reply answers "revoked", not "no such key".
        var requestId = Guid.NewGuid();
        var removed = await _cluster.RetryAsync(() => Store.Revoke(id, who, requestId), ct);
        _cache.TryRemove(id, out _);
        return removed;
    }

    private async Task<ApiKeyRecord?> FindAsync(string id, CancellationToken ct)
    {
        if (_bootstrap is not null && id == _bootstrap.Id)
        {
            if (_bootstrapRevoked.Until <= DateTime.UtcNow)
                _bootstrapRevoked = (await _cluster.RetryAsync(() => _grains.GetGrain<IBootstrapKeyGrain>(id)
                    .IsRevoked(), ct), DateTime.UtcNow + CacheTime);
            return _bootstrapRevoked.Revoked ? null : _bootstrap;
        }
        if (_cache.TryGetValue(id, out var hit) && hit.Until > DateTime.UtcNow) return hit.Record;
        var record = await _cluster.RetryAsync(() => Store.Find(id), ct);
        if (record is null) { _cache.TryRemove(id, out _); return null; }
        if (!IsTrusted(record))
        {
            _cache.TryRemove(id, out _);
            LogRefusal(record);
            return null;
        }
        if (_cache.Count >= _capacity) Evict();
        _cache[id] = (record, DateTime.UtcNow + CacheTime);
        return record;
    }

    private void LogRefusal(ApiKeyRecord record)
    {
        var now = DateTime.UtcNow;
        if (_refusalLogged.TryGetValue(record.Id, out var last) && now - last < TimeSpan.FromMinutes(1)) return;
        if (_refusalLogged.Count >= _capacity) _refusalLogged.Clear();
        _refusalLogged[record.Id] = now;
        _log.LogWarning("API key record {KeyId} (site {Site}, role {Role}) is {Problem}: refused. A record changed " +
            "or forged in the state store, or written before signing (start once with {Option}=true to sign those)",
            record.Id, record.Site, record.Role, record.Signature is null ? "not signed" : "not validly signed",
            $"{GatewayOptions.Section}:{nameof(GatewayOptions.SignUnsignedKeyRecords)}");
    }

    /// <summary>Key ids held in the cache now.</summary>
    public int CachedRecords => _cache.Count;

    /// <summary>The key-creation and revocation audit of a site, newest first.</summary>
    public async Task<IReadOnlyList<AuditEntry>> AuditAsync(string site, int take, CancellationToken ct = default) =>
        await _cluster.RetryAsync(() => Store.GetAudit(site, take), ct);

    private void Evict()
    {
        var now = DateTime.UtcNow;
        foreach (var (id, entry) in _cache)
            if (entry.Until <= now) _cache.TryRemove(id, out _);
        if (_cache.Count >= _capacity) _cache.Clear(); // all fresh: a cold cache costs one grain call per key, no more
    }
}
