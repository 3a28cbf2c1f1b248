using Orleans.Concurrency;
using Reb.Abstractions.Contracts;

namespace Reb.Abstractions.Grains;

/// <summary>
/// A training job (key = job id) run as resumable steps: embed -> coreset -> shard -> density fit -> publish. Each
/// call returns at once: the work runs in the background of the activation, checkpoints go to the artefact store
/// after every step, and a reminder re-activates the job after a silo loss so it resumes from its last completed step.
/// </summary>
public interface ITrainingGrain : IGrainWithStringKey
{
    /// <summary>Records the request and starts the job (idempotent: a started job is not restarted).</summary>
    Task<TrainingProgress> Start(TrainingRequest request);

    [ReadOnly] Task<TrainingProgress> GetProgress();

    /// <summary>Makes sure the job runs (used by the reminder and by tests after a silo loss).</summary>
    Task<TrainingProgress> Resume();

    /// <summary>
    /// Cancels the job: the step running now finishes, no further step starts, and the job ends as
    /// <see cref="TrainingStage.Cancelled"/> (persisted). A finished job is left as it is.
    /// </summary>
    Task<TrainingProgress> Cancel();
}
