using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;

namespace Reb.Grains.Training;

[GenerateSerializer]
public sealed class SiteTrainingState
{
    /// <summary>Jobs started through this grain that were unfinished when last looked at.</summary>
    [Id(0)] public List<string> Jobs { get; set; } = [];
}

/// <summary>
/// Counts a site's unfinished jobs and starts one more in the same turn. The grain is not reentrant, so the count,
/// the start and the record of the new job cannot interleave with another start of the same site.
/// </summary>
public sealed class SiteTrainingGrain(
    [PersistentState("site-training", StorageNames.Registry)] IPersistentState<SiteTrainingState> state) : Grain,
        ISiteTrainingGrain
{
    public async Task<SiteTrainingStart> Start(TrainingRequest request, int limit)
    {
        ArgumentNullException.ThrowIfNull(request);
        var site = this.GetPrimaryKeyString();
        if (request.Site != site) throw new ArgumentException(
            $"training request is for site '{request.Site}', not '{site}'", nameof(request));
        var running = await PruneAsync();
        if (running.Count >= Math.Max(1, limit)) return new SiteTrainingStart(null, running.Count);
        var jobId = await GrainFactory.GetGrain<IProductLineGrain>(request.Line).StartTraining(request);
        state.State.Jobs.Add(jobId);
        await state.WriteStateAsync();
        return new SiteTrainingStart(jobId, state.State.Jobs.Count);
    }

    public Task<IReadOnlyList<string>> Running() => Task.FromResult<IReadOnlyList<string>>(state.State.Jobs.ToList());

    /// <summary>Drops the jobs that have ended since the last look (each job knows its own state; none is kept
    /// here).</summary>
    private async Task<List<string>> PruneAsync()
    {
        var jobs = state.State.Jobs;
        var progress = await Task.WhenAll(jobs.Select(j => GrainFactory.GetGrain<ITrainingGrain>(j).GetProgress()));
        var finished = progress.Where(p => p.IsFinished).Select(p => p.JobId).ToHashSet(StringComparer.Ordinal);
        if (finished.Count > 0)
        {
            jobs.RemoveAll(finished.Contains);
            await state.WriteStateAsync();
        }
        return jobs;
    }
}
