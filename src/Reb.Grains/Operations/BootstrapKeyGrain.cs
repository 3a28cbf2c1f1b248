using Orleans.Serialization;
using Reb.Abstractions.Grains;

namespace Reb.Grains.Operations;

[GenerateSerializer]
public sealed class BootstrapKeyState
{
    [Id(0)] public DateTimeOffset? RevokedUtc { get; set; }
    [Id(1)] public string? RevokedBy { get; set; }
}

/// <summary>
/// Durable revocation mark of one bootstrap admin key id (registry grain storage). The mark is visible only once it
/// is written: a failed write leaves the key usable, and the retry writes the mark (never a mark only in memory that
/// a restart would lose).
/// </summary>
public sealed class BootstrapKeyGrain(
    [PersistentState("bootstrap-key", StorageNames.Registry)] IPersistentState<BootstrapKeyState> state,
    DeepCopier copier) : Grain, IBootstrapKeyGrain
{
    public Task<bool> IsRevoked() => Task.FromResult(state.State.RevokedUtc is not null);

    public async Task Revoke(string by)
    {
        if (state.State.RevokedUtc is not null) return;
        await state.ChangeAsync(this, copier, s =>
        {
            s.RevokedUtc = DateTimeOffset.UtcNow;
            s.RevokedBy = by;
        });
    }
}
