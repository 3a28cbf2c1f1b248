using Orleans.Concurrency;
using Reb.Abstractions.Contracts;

namespace Reb.Abstractions.Grains;

/// <summary>
/// The cluster's view of bank memory (key 0): every silo reports what it holds about once a second and gets every
/// live silo's report back, which shard placement reads. Reports of silos that stopped reporting are dropped.
/// </summary>
public interface IBankMemoryGrain : IGrainWithIntegerKey
{
    /// <summary>Records <paramref name="silo"/>'s report and returns all current reports.</summary>
    Task<SiloBankReport[]> Report(SiloBankReport silo);

    /// <summary>All current reports (the dashboard's line state, the soak run).</summary>
    [ReadOnly] Task<SiloBankReport[]> All();
}
