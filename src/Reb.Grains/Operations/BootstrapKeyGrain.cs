using Reb.Abstractions.Grains;

namespace Reb.Grains.Operations;

[GenerateSerializer]
public sealed class BootstrapKeyState
{
    [Id(0)] public DateTimeOffset? RevokedUtc { get; set; }
    [Id(1)] public string? RevokedBy { get; set; }
}

/// <summary>Durable revocation mark of one bootstrap admin key id (registry grain storage).</summary>
public sealed class BootstrapKeyGrain(
    [PersistentState("bootstrap-key", StorageNames.Registry)] IPersistentState<BootstrapKeyState> state) : Grain, IBootstrapKeyGrain
{
    public Task<bool> IsRevoked() => Task.FromResult(state.State.RevokedUtc is not null);

    public async Task Revoke(string by)
    {
        if (state.State.RevokedUtc is not null) return;
        state.State.RevokedUtc = DateTimeOffset.UtcNow;
        state.State.RevokedBy = by;
        await state.WriteStateAsync();
    }
}
