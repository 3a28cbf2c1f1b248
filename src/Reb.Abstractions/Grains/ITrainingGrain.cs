using Orleans.Concurrency;
using Reb.Abstractions.Contracts;

namespace Reb.Abstractions.Grains;

/// <summary>
/// A training job (key = job id, a GUID) run as resumable steps: adapt -> embed -> coreset -> shard -> density ->
/// calibrate -> publish. Each
/// call returns at once: the work runs in the background of the activation, checkpoints go to the artefact store
/// after every step, and a reminder re-activates the job after a silo loss so it resumes from its last completed step.
/// </summary>
public interface ITrainingGrain : IGrainWithStringKey
{
    /// <summary>
    /// Records the request and starts the job. Idempotent for the same request (a started job is not restarted); a
    /// different request for an existing job is refused with <see cref="ArgumentException"/>.
    /// </summary>
    Task<TrainingProgress> Start(TrainingRequest request);

    /// <summary>The job's line and site; null for a job id that was never started.</summary>
    [ReadOnly] Task<TrainingJobOwner?> GetOwner();

    [ReadOnly] Task<TrainingProgress> GetProgress();

    /// <summary>Makes sure the job runs (used by the reminder and by tests after a silo loss).</summary>
    Task<TrainingProgress> Resume();

    /// <summary>
    /// Cancels the job: the step running now finishes, no further step starts, and the job ends as
    /// <see cref="TrainingStage.Cancelled"/> (persisted). A finished job is left as it is.
    /// </summary>
    Task<TrainingProgress> Cancel();
}
