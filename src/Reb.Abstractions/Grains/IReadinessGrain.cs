using Orleans.Concurrency;

namespace Reb.Abstractions.Grains;

/// <summary>
/// The readiness probe's grain (any key, e.g. 0): a stateless worker, so a call from a silo's own grain factory runs
/// on that silo. It answers when this silo's scheduler and grain activation work, whatever the other silos do.
/// </summary>
public interface IReadinessGrain : IGrainWithIntegerKey
{
    /// <summary>This silo's address, as Orleans knows it.</summary>
    [ReadOnly] Task<string> Ping();
}
