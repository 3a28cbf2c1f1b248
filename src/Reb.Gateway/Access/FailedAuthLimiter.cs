using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Reb.Gateway.Access;

/// <summary>
/// Counts failed authentications per client (the address behind the trusted proxies, <see cref="ClientAddress"/>)
/// and presented key id, in fixed one-minute windows. Once a client is over
/// <see cref="GatewayOptions.FailedAuthPerMinute"/> with a key id, its requests with that key id are refused (429)
/// until the window ends, right or wrong secret, so guessing a key's secret costs a minute per handful of guesses.
/// Keyed by both because behind an ingress every plant may share one address: a stale client with an old key must
/// not lock out the other plants (nor the same plant's other keys). The table is bounded: expired windows are swept
/// when it grows past <see cref="MaxTrackedAddresses"/>.
/// </summary>
public sealed class FailedAuthLimiter(IOptions<GatewayOptions> options, TimeProvider? clock = null)
{
    public const int MaxTrackedAddresses = 100_000;
    /// <summary>Characters of the presented key id that count (ids are 12; longer ones cannot make new
    /// counters).</summary>
    public const int KeyIdPrefixLength = 16;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly ClientAddress _clients = new(options.Value.TrustedProxies);
    private readonly ConcurrentDictionary<string, Counter> _failures = new(StringComparer.Ordinal);

    private sealed class Counter(DateTimeOffset start)
    {
        public DateTimeOffset Start = start;
        public int Count;
    }

    /// <summary>True (with the time left in the window) when the request's client is over its limit for its key
    /// id.</summary>
    public bool IsBlocked(HttpContext context, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        var key = KeyOf(context);
        if (key is null || !_failures.TryGetValue(key, out var c)) return false;
        lock (c)
        {
            var left = c.Start + Window - _clock.GetUtcNow();
            if (left <= TimeSpan.Zero || c.Count < Math.Max(1, options.Value.FailedAuthPerMinute)) return false;
            retryAfter = left;
            return true;
        }
    }

    public void RecordFailure(HttpContext context)
    {
        var key = KeyOf(context);
        if (key is null) return;
        var now = _clock.GetUtcNow();
        if (_failures.Count >= MaxTrackedAddresses) Sweep(now);
        var c = _failures.GetOrAdd(key, _ => new Counter(now));
        lock (c)
        {
            if (now - c.Start >= Window) { c.Start = now; c.Count = 0; }
            c.Count++;
        }
    }

    /// <summary>"address|key-id prefix"; malformed keys of one client share one counter ("address|").</summary>
    private string? KeyOf(HttpContext context)
    {
        var address = _clients.Of(context);
        if (address is null) return null;
        var presented = ApiKeyAuthenticationHandler.PresentedKey(context.Request)?.Trim();
        var id = ApiKeyFormat.TryParse(presented, out var parsed, out _) ? parsed : "";
        return $"{address}|{(id.Length > KeyIdPrefixLength ? id[..KeyIdPrefixLength] : id)}";
    }

    private void Sweep(DateTimeOffset now)
    {
        foreach (var (key, c) in _failures)
            if (now - c.Start >= Window) _failures.TryRemove(key, out _);
        // Still full (a flood of distinct clients inside one window): forget the oldest half rather than grow.
        if (_failures.Count >= MaxTrackedAddresses)
            foreach (var (key, _) in _failures.OrderBy(p => p.Value.Start).Take(_failures.Count / 2))
                _failures.TryRemove(key, out _);
    }
}
