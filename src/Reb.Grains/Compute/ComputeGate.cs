using Microsoft.Extensions.Options;
using Reb.Grains.Hosting;

namespace Reb.Grains.Compute;

/// <summary>
/// Optionally admits the tensor work of one silo (embedding, shard searches, map post-processing) a few jobs at a
/// time ("Reb:ComputeSlots"; 0 = no gate, the default). The idea: a libtorch call already spreads over the cores, so
/// running several at once only multiplies threads. Measured, it did not pay on the 2-core machine: a single search
/// leaves cores idle, and four shards of one image searching together finish sooner than one after the other
/// (see RebOptions.ComputeSlots). The knob stays for silos that share their machine with other work.
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
