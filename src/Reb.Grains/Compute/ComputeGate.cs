using Microsoft.Extensions.Options;
using Reb.Grains.Hosting;

namespace Reb.Grains.Compute;

/// <summary>
/// Admits the tensor work of one silo (embedding, shard searches, map post-processing) a few jobs at a time.
/// Every libtorch call already spreads over all of the silo's cores; running several at once (four shards of one
/// image, or two requests) multiplies the threads without adding cores, and the contention costs more than the
/// fan-out saves. With one slot (the CPU default) the shards of a silo search one after the other at full width.
/// </summary>
public sealed class ComputeGate : IDisposable
{
    private readonly SemaphoreSlim? _slots;

    public ComputeGate(IOptions<RebOptions> options)
    {
        int slots = options.Value.ComputeSlots;
        if (slots < 0) throw new ArgumentOutOfRangeException(nameof(options), slots, "Reb:ComputeSlots must be 0 (no gate) or positive");
        _slots = slots == 0 ? null : new SemaphoreSlim(slots, slots);
    }

    /// <summary>Runs <paramref name="work"/> on the thread pool once a slot is free (at once when the gate is off).</summary>
    public async Task<T> RunAsync<T>(Func<T> work)
    {
        if (_slots is null) return await Task.Run(work);
        await _slots.WaitAsync();
        try { return await Task.Run(work); }
        finally { _slots.Release(); }
    }

    public void Dispose() => _slots?.Dispose();
}
