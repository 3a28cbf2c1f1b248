using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;

namespace Reb.Grains.Operations;

[GenerateSerializer]
public sealed class ApiKeyStoreState
{
    [Id(0)] public Dictionary<string, ApiKeyRecord> Keys { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>Persisted API key records (salted hashes, never secrets), looked up by key id.</summary>
public sealed class ApiKeyStoreGrain(
    [PersistentState("api-keys", StorageNames.Registry)] IPersistentState<ApiKeyStoreState> state) : Grain, IApiKeyStoreGrain
{
    public async Task Put(ApiKeyRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Salt is not { Length: >= 16 } || record.Hash is not { Length: >= 32 })
            throw new ArgumentException($"api key '{record.Id}': a record needs a salt of 16+ bytes and a hash of 32+ bytes");
        state.State.Keys[record.Id] = record;
        await state.WriteStateAsync();
    }

    public Task<ApiKeyRecord?> Find(string id) => Task.FromResult(state.State.Keys.GetValueOrDefault(id));

    public Task<IReadOnlyList<ApiKeyRecord>> List(string site) => Task.FromResult<IReadOnlyList<ApiKeyRecord>>(
        state.State.Keys.Values.Where(k => k.Site == site).OrderBy(k => k.CreatedUtc).ToList());

    public async Task<bool> Revoke(string id)
    {
        if (!state.State.Keys.Remove(id)) return false;
        await state.WriteStateAsync();
        return true;
    }
}
