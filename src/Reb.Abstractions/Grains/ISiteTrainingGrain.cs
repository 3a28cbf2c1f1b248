using Orleans.Concurrency;
using Reb.Abstractions.Contracts;

namespace Reb.Abstractions.Grains;

/// <summary>
/// The training jobs one site has started through the gateway (key = site name), so that the per-site job limit is
/// checked and claimed in one grain turn: two concurrent starts are served one after the other, and the second sees
/// the first's job. (Counting jobs in the gateway and starting afterwards let both pass.)
/// </summary>
public interface ISiteTrainingGrain : IGrainWithStringKey
{
    /// <summary>
    /// Starts <paramref name="request"/> (through its line's <see cref="IProductLineGrain.StartTraining"/>) unless the
    /// site already has <paramref name="limit"/> unfinished jobs; then nothing is started and the job id is null.
    /// Not idempotent: never retry it blindly (a lost reply may have started a job).
    /// </summary>
    Task<SiteTrainingStart> Start(TrainingRequest request, int limit);

    /// <summary>Unfinished jobs of the site, as of their last look.</summary>
    [ReadOnly] Task<IReadOnlyList<string>> Running();
}
