using Reb.Abstractions.Contracts;
using Orleans.Serialization;
using Reb.Abstractions.Grains;

namespace Reb.Grains.Operations;

[GenerateSerializer]
public sealed class ApiKeyStoreState
{
    [Id(0)] public Dictionary<string, ApiKeyRecord> Keys { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Key creations and revocations of every site, oldest first; capped at <see
    /// cref="ApiKeyStoreGrain.MaxAuditEntries"/>.</summary>
    [Id(1)] public List<AuditEntry> Audit { get; set; } = [];
    /// <summary>Recent revocations by request id (see <see cref="RecentRequests"/>).</summary>
    [Id(2)] public List<Guid> Requests { get; set; } = [];
}

/// <summary>
/// Persisted API key records (salted hashes, never secrets), looked up by key id, and the audit of who created and
/// revoked keys (written in the same state write as the change, so no change goes unaudited). A change is visible only
/// once it is written (<see cref="DurableState"/>): a revoke whose write failed leaves the key in memory as it is in
/// storage, and the retry revokes it for good, instead of answering "no such key" while storage still holds it.
/// </summary>
public sealed class ApiKeyStoreGrain(
    [PersistentState("api-keys", StorageNames.Registry)] IPersistentState<ApiKeyStoreState> state,
    DeepCopier copier) : Grain, IApiKeyStoreGrain
{
    /// <summary>Audit entries kept (oldest dropped first), across sites.</summary>
    public const int MaxAuditEntries = 5000;

    public async Task Put(ApiKeyRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Salt is not { Length: >= 16 } || record.Hash is not { Length: >= 32 })
            throw new ArgumentException(
                $"api key '{record.Id}': a record needs a salt of 16+ bytes and a hash of 32+ bytes");
        // The same record again is a retry whose reply was lost: already stored and audited, nothing to do.
        if (state.State.Keys.TryGetValue(record.Id, out var stored) && SameRecord(stored, record)) return;
        // The same fields with a signature where there was none: a record written before signing, signed now; with
        // another signature: re-signed with a new signing secret (rotation).
        var action = stored is null ? "key-create"
            : record.Signature is not null && SameFields(stored, record)
                ? stored.Signature is null ? "key-sign" : "key-resign"
            : "key-replace";
        await state.ChangeAsync(this, copier, s =>
        {
            s.Keys[record.Id] = record;
            Append(s, record.CreatedBy, record.Site, "", action, null, $"{record.Id} {record.Name} ({record.Role})");
        });
    }

    private static bool SameRecord(ApiKeyRecord a, ApiKeyRecord b) =>
        SameFields(a, b) && (a.Signature ?? []).AsSpan().SequenceEqual(b.Signature ?? []);

    private static bool SameFields(ApiKeyRecord a, ApiKeyRecord b) =>
        a with { Salt = b.Salt, Hash = b.Hash, Signature = b.Signature } == b && a.Salt.AsSpan().SequenceEqual(b.Salt)
        && a.Hash.AsSpan().SequenceEqual(b.Hash);

    public Task<ApiKeyRecord?> Find(string id) => Task.FromResult(state.State.Keys.GetValueOrDefault(id));

    public Task<IReadOnlyList<ApiKeyRecord>> ListAll() => Task.FromResult<IReadOnlyList<ApiKeyRecord>>(
        state.State.Keys.Values.OrderBy(k => k.CreatedUtc).ToList());

    public Task<IReadOnlyList<ApiKeyRecord>> List(string site) => Task.FromResult<IReadOnlyList<ApiKeyRecord>>(
        state.State.Keys.Values.Where(k => k.Site == site).OrderBy(k => k.CreatedUtc).ToList());

    public async Task<bool> Revoke(string id, AuditActor? who = null, Guid? requestId = null)
    {
        if (RecentRequests.Contains(state.State.Requests, requestId)) return true; // done; its reply was lost
        if (!state.State.Keys.TryGetValue(id, out var record)) return false;
        await state.ChangeAsync(this, copier, s =>
        {
            s.Keys.Remove(id);
            RecentRequests.Remember(s.Requests, requestId);
            Append(s, who?.ToString() ?? "unknown", record.Site, who?.Role ?? "", "key-revoke",
                $"{record.Id} {record.Name} ({record.Role})", null);
        });
        return true;
    }

    public Task<IReadOnlyList<AuditEntry>> GetAudit(string site, int take)
        => Task.FromResult<IReadOnlyList<AuditEntry>>(
        Enumerable.Reverse(state.State.Audit).Where(a => a.Site == site).Take(Math.Max(0, take)).ToList());

    private static void Append(ApiKeyStoreState s, string who, string site, string role, string action,
        string? oldValue,
        string? newValue)
    {
        var audit = s.Audit;
        audit.Add(new AuditEntry(DateTimeOffset.UtcNow, who, site, role, action, oldValue, newValue));
        if (audit.Count > MaxAuditEntries) audit.RemoveRange(0, audit.Count - MaxAuditEntries);
    }
}
