using Orleans.Concurrency;
using Reb.Abstractions.Contracts;

namespace Reb.Abstractions.Grains;

/// <summary>
/// The review loop's bank update of one line (key = line id), run as a cluster job: one at a time per line whichever
/// gateway asked, in the background of the activation, its steps checkpointed in grain state so that a job whose silo
/// is lost resumes on another one. Progress is reported as training's is (<see cref="TrainingProgress"/>, and the
/// same training-progress gauge).
/// </summary>
public interface IBankUpdateGrain : IGrainWithStringKey
{
    /// <summary>
    /// Starts the update, or joins it: the same request while it runs (or after it completed) answers that job; another
    /// request while one runs is refused with <see cref="RegistryConflictException"/>. Returns at once.
    /// </summary>
    Task<BankUpdateStatus> Start(BankUpdateRequest request);

    /// <summary>The current (or last) job; re-activating the grain resumes an unfinished one.</summary>
    [ReadOnly] Task<BankUpdateStatus> GetStatus();
}
