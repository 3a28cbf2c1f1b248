using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Reb.Gateway.Errors;

namespace Reb.Gateway.Training;

/// <summary>
/// Open training event streams per key: at most <see cref="GatewayOptions.MaxEventStreamsPerKey"/>. Each stream holds a
/// connection and polls a grain, so an unbounded number per key would let one key tie the gateway up.
/// </summary>
public sealed class TrainingStreams(IOptions<GatewayOptions> options)
{
    /// <summary>How often a stream polls its job: once a second is enough for a progress bar.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, int> _open = new();

    public TimeSpan Lifetime => TimeSpan.FromSeconds(Math.Max(1, options.Value.EventStreamLifetimeSeconds));

    /// <summary>A slot for one stream of <paramref name="keyId"/> (dispose it when the stream ends); 429 when all are
    /// taken.</summary>
    public IDisposable Open(string keyId)
    {
        int limit = Math.Max(1, options.Value.MaxEventStreamsPerKey);
        while (true)
        {
            int now = _open.GetOrAdd(keyId, 0);
            if (now >= limit)
                throw new GatewayProblem(429, "Too many event streams",
                    $"this key already has {limit} open training event streams; close one first",
                    TimeSpan.FromSeconds(5));
            if (_open.TryUpdate(keyId, now + 1, now)) return new Slot(this, keyId);
        }
    }

    private void Close(string keyId)
    {
        while (true)
        {
            int now = _open.GetOrAdd(keyId, 0);
            if (now <= 1) { if (_open.TryRemove(new KeyValuePair<string, int>(keyId, now))) return; }
            else if (_open.TryUpdate(keyId, now - 1, now)) return;
        }
    }

    private sealed class Slot(TrainingStreams owner, string keyId) : IDisposable
    {
        private int _disposed;
        public void Dispose() { if (Interlocked.Exchange(ref _disposed, 1) == 0) owner.Close(keyId); }
    }
}
