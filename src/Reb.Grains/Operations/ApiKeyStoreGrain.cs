using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;

namespace Reb.Grains.Operations;

[GenerateSerializer]
public sealed class ApiKeyStoreState
{
    [Id(0)] public Dictionary<string, ApiKeyRecord> Keys { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Key creations and revocations of every site, oldest first; capped at <see cref="ApiKeyStoreGrain.MaxAuditEntries"/>.</summary>
    [Id(1)] public List<AuditEntry> Audit { get; set; } = [];
}

/// <summary>
/// Persisted API key records (salted hashes, never secrets), looked up by key id, and the audit of who created and
/// revoked keys (written in the same state write as the change, so no change goes unaudited).
/// </summary>
public sealed class ApiKeyStoreGrain(
    [PersistentState("api-keys", StorageNames.Registry)] IPersistentState<ApiKeyStoreState> state) : Grain, IApiKeyStoreGrain
{
    /// <summary>Audit entries kept (oldest dropped first), across sites.</summary>
    public const int MaxAuditEntries = 5000;

    public async Task Put(ApiKeyRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Salt is not { Length: >= 16 } || record.Hash is not { Length: >= 32 })
            throw new ArgumentException($"api key '{record.Id}': a record needs a salt of 16+ bytes and a hash of 32+ bytes");
        var replaced = state.State.Keys.ContainsKey(record.Id);
        state.State.Keys[record.Id] = record;
        Append(record.CreatedBy, record.Site, "", replaced ? "key-replace" : "key-create", null, $"{record.Id} {record.Name} ({record.Role})");
        await state.WriteStateAsync();
    }

    public Task<ApiKeyRecord?> Find(string id) => Task.FromResult(state.State.Keys.GetValueOrDefault(id));

    public Task<IReadOnlyList<ApiKeyRecord>> List(string site) => Task.FromResult<IReadOnlyList<ApiKeyRecord>>(
        state.State.Keys.Values.Where(k => k.Site == site).OrderBy(k => k.CreatedUtc).ToList());

    public async Task<bool> Revoke(string id, AuditActor? who = null)
    {
        if (!state.State.Keys.Remove(id, out var record)) return false;
        Append(who?.ToString() ?? "unknown", record.Site, who?.Role ?? "", "key-revoke", $"{record.Id} {record.Name} ({record.Role})", null);
        await state.WriteStateAsync();
        return true;
    }

    public Task<IReadOnlyList<AuditEntry>> GetAudit(string site, int take) => Task.FromResult<IReadOnlyList<AuditEntry>>(
        Enumerable.Reverse(state.State.Audit).Where(a => a.Site == site).Take(Math.Max(0, take)).ToList());

    private void Append(string who, string site, string role, string action, string? oldValue, string? newValue)
    {
        var audit = state.State.Audit;
        audit.Add(new AuditEntry(DateTimeOffset.UtcNow, who, site, role, action, oldValue, newValue));
        if (audit.Count > MaxAuditEntries) audit.RemoveRange(0, audit.Count - MaxAuditEntries);
    }
}
