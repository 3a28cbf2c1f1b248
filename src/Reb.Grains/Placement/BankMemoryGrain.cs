using Orleans.Concurrency;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;

namespace Reb.Grains.Placement;

/// <summary>
/// Holds the latest report of every silo in memory (see <see cref="IBankMemoryGrain"/>). Nothing is persisted: if
/// its silo goes, the grain re-activates elsewhere and the next second's reports fill it again.
/// </summary>
[Reentrant]
public sealed class BankMemoryGrain : Grain, IBankMemoryGrain
{
    /// <summary>A silo that has not reported for this long is gone (it reports every second).</summary>
    public static readonly TimeSpan Stale = TimeSpan.FromSeconds(10);

    private readonly Dictionary<string, SiloBankReport> _reports = new(StringComparer.Ordinal);

    public Task<SiloBankReport[]> Report(SiloBankReport silo)
    {
        _reports[silo.Silo] = silo;
        return All();
    }

    public Task<SiloBankReport[]> All()
    {
        var cutoff = DateTime.UtcNow - Stale;
        foreach (var gone in _reports.Values.Where(r => r.At < cutoff).Select(r => r.Silo).ToList())
            _reports.Remove(gone);
        return Task.FromResult(_reports.Values.OrderBy(r => r.Silo, StringComparer.Ordinal).ToArray());
    }
}
