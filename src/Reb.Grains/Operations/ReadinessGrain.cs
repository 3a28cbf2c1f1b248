using Orleans.Concurrency;
using Reb.Abstractions.Grains;

namespace Reb.Grains.Operations;

/// <summary>Answers the readiness probe on the silo that asks (stateless workers activate locally).</summary>
[StatelessWorker]
public sealed class ReadinessGrain(ILocalSiloDetails silo) : Grain, IReadinessGrain
{
    public Task<string> Ping() => Task.FromResult(silo.SiloAddress.ToString());
}
