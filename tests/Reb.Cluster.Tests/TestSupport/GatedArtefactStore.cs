using System.Collections.Concurrent;
using Reb.Storage;

namespace Reb.Cluster.Tests.TestSupport;

/// <summary>
/// Shared switch for <see cref="GatedArtefactStore"/>: writes of keys matching <see cref="Holds"/> made by the silo
/// named
/// <see cref="HeldSilo"/> wait until <see cref="Release"/>, so a test can freeze a job inside a chosen step on a chosen
/// silo and kill that silo there. Counts every write per key, on every silo.
/// </summary>
public sealed class ArtefactWriteGate
{
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _holding = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public volatile string? HeldSilo;
    public Func<string, bool> Holds { get; set; } = _ => false;
    /// <summary>Writes of matching keys (by any silo) fail with an <see cref="IOException"/> before they
    /// land.</summary>
    public Func<string, bool> Fails { get; set; } = _ => false;
    /// <summary>The exception a failing write throws (by default one that names the key only).</summary>
    public Func<string, Exception> Failure { get; set; } = key => new IOException($"injected write failure of '{key}'");
    public ConcurrentDictionary<string, int> Writes { get; } = new();

    /// <summary>Completes when the first held write is waiting.</summary>
    public Task Holding => _holding.Task;

    public void Release() => _released.TrySetResult();

    internal async Task BeforeWrite(string silo, string key)
    {
        Writes.AddOrUpdate(key, 1, (_, n) => n + 1);
        if (Fails(key)) throw Failure(key);
        if (silo != HeldSilo || !Holds(key)) return;
        _holding.TrySetResult();
        await _released.Task;
    }
}

/// <summary>The real folder store of one silo, with its writes passing through an <see
/// cref="ArtefactWriteGate"/>.</summary>
public sealed class GatedArtefactStore(IArtefactStore inner, string silo, ArtefactWriteGate gate) : IArtefactStore
{
    public async Task PutAsync(string key, Stream content, CancellationToken ct = default)
    {
        await gate.BeforeWrite(silo, key);
        await inner.PutAsync(key, content, ct);
    }

    public string Description => inner.Description;
    /// <summary>A model publish passes the gate as a write of <see cref="PublishKey"/>.</summary>
    public async Task<string> PublishModelAsync(string modelDir, CancellationToken ct = default)
    {
        await gate.BeforeWrite(silo, PublishKey);
        return await inner.PublishModelAsync(modelDir, ct);
    }

    public const string PublishKey = ArtefactKeys.ModelsPrefix + "(publish)";
    public Task<string> FetchModelAsync(string version, string cacheRoot, CancellationToken ct = default)
        => inner.FetchModelAsync(version, cacheRoot, ct);
    public Task<bool> ExistsAsync(string version, CancellationToken ct = default) => inner.ExistsAsync(version, ct);
    public Task<IReadOnlyList<string>> ListModelsAsync(CancellationToken ct = default) => inner.ListModelsAsync(ct);
    public Task<Stream?> GetAsync(string key, CancellationToken ct = default) => inner.GetAsync(key, ct);
    public Task<bool> DeleteAsync(string key, CancellationToken ct = default) => inner.DeleteAsync(key, ct);
    public Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken ct = default)
        => inner.ListAsync(prefix, ct);
    public Task<long?> SizeAsync(string key, CancellationToken ct = default) => inner.SizeAsync(key, ct);
    public Task<long> DeleteModelAsync(string version, CancellationToken ct = default)
        => inner.DeleteModelAsync(version, ct);
}
