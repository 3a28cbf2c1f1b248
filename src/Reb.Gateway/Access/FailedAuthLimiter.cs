using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;

namespace Reb.Gateway.Access;

/// <summary>
/// Counts failed authentications per client address in fixed one-minute windows. Once an address is over
/// <see cref="GatewayOptions.FailedAuthPerMinute"/>, every request from it that presents a key is refused (429) until
/// the window ends, right or wrong key, so guessing keys costs a minute per handful of guesses. The table is bounded:
/// expired windows are swept when it grows past <see cref="MaxTrackedAddresses"/>.
/// </summary>
public sealed class FailedAuthLimiter(IOptions<GatewayOptions> options, TimeProvider? clock = null)
{
    public const int MaxTrackedAddresses = 100_000;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly ConcurrentDictionary<IPAddress, Counter> _failures = new();

    private sealed class Counter(DateTimeOffset start)
    {
        public DateTimeOffset Start = start;
        public int Count;
    }

    /// <summary>True (with the time left in the window) when <paramref name="address"/> is over its limit.</summary>
    public bool IsBlocked(IPAddress? address, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (address is null || !_failures.TryGetValue(address, out var c)) return false;
        lock (c)
        {
            var left = c.Start + Window - _clock.GetUtcNow();
            if (left <= TimeSpan.Zero || c.Count < Math.Max(1, options.Value.FailedAuthPerMinute)) return false;
            retryAfter = left;
            return true;
        }
    }

    public void RecordFailure(IPAddress? address)
    {
        if (address is null) return;
        var now = _clock.GetUtcNow();
        if (_failures.Count >= MaxTrackedAddresses) Sweep(now);
        var c = _failures.GetOrAdd(address, _ => new Counter(now));
        lock (c)
        {
            if (now - c.Start >= Window) { c.Start = now; c.Count = 0; }
            c.Count++;
        }
    }

    private void Sweep(DateTimeOffset now)
    {
        foreach (var (address, c) in _failures)
            if (now - c.Start >= Window) _failures.TryRemove(address, out _);
        // Still full (a flood of distinct addresses inside one window): forget the oldest half rather than grow.
        if (_failures.Count >= MaxTrackedAddresses)
            foreach (var (address, _) in _failures.OrderBy(p => p.Value.Start).Take(_failures.Count / 2)) _failures.TryRemove(address, out _);
    }
}
