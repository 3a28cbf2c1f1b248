using Orleans.Concurrency;
using Reb.Abstractions.Contracts;

namespace Reb.Abstractions.Grains;

/// <summary>Reads a model version's manifest on a silo (key = version); stateless, cached per silo.</summary>
public interface IModelInfoGrain : IGrainWithStringKey
{
    /// <summary>Throws <see cref="ModelVersionException"/> when the version does not exist or is corrupt.</summary>
    [ReadOnly] Task<ModelVersionInfo> GetInfo();
}
