using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Reb.Grains.Diagnostics;
using Reb.Grains.Hosting;
using Reb.Grains.Models;

namespace Reb.Grains.Training;

/// <summary>
/// Runs a training job (REB's whole pipeline, see <see cref="TrainingSteps"/>) in the background of its activation.
/// After each step the checkpoint state is persisted; a
/// reminder brings the job back after its silo is lost, and the re-activated job resumes after its last completed step.
/// Grain calls only start, poll or resume: none lasts longer than a state write.
/// </summary>
// the adapt and embed steps are the backbone's work: on a GPU silo when the cluster has one
[Placement.PreferGpuPlacement]
public sealed class TrainingGrain(
    [PersistentState("job", StorageNames.Registry)] IPersistentState<TrainingJobState> state,
    SiloModelCache models, IOptions<RebOptions> options, ILogger<TrainingGrain> logger) : Grain, ITrainingGrain,
        IRemindable
{
    private const string ReminderName = "resume-training";
    private Task? _run;
    private volatile TrainingProgress? _progress;
    private readonly CancellationTokenSource _cancel = new();

    // Read once on the activation's thread: progress callbacks run on thread-pool threads, where Orleans refuses
    // activation services such as the grain's key.
    private string? _jobId;
    private string JobId => _jobId ??= this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _ = JobId;
        // A job that was running when its previous activation died continues as soon as anything touches it.
        if (state.State.Request is not null && !IsFinished && state.State.Runs > 0)
        {
            state.State.Resumes++;
            EnsureRunning();
        }
        return Task.CompletedTask;
    }

    public async Task<TrainingProgress> Start(TrainingRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        TrainingRules.Validate(request, $"job {JobId}");
        // an unknown budget or recipe fails here, not hours later
        Reb.Core.Adaptation.AdaptationOptions.ForBudget(request.Budget).WithRecipe(request.AdaptRecipe);
        if (state.State.Request is { } existing && !SameRequest(existing, request))
            throw new ArgumentException(
                $"job {JobId} exists for line '{existing.Line}' with another request; start a new job instead");
        if (state.State.Request is null)
        {
            state.State.Request = request;
            await state.WriteStateAsync();
            await this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        }
        EnsureRunning();
        return Progress();
    }

    public Task<TrainingProgress> GetProgress() => Task.FromResult(Progress());

    public Task<TrainingJobOwner?> GetOwner() =>
        Task.FromResult(state.State.Request is { } r ? new TrainingJobOwner(r.Line, r.Site) : null);

    private static bool SameRequest(TrainingRequest a, TrainingRequest b) =>
        a with { ImageKeys = [] } == b with { ImageKeys = [] } && a.ImageKeys.SequenceEqual(b.ImageKeys);

    public Task<TrainingProgress> Resume()
    {
        EnsureRunning();
        return Task.FromResult(Progress());
    }

    public async Task<TrainingProgress> Cancel()
    {
        if (!IsFinished && !state.State.Cancelled)
        {
            state.State.Cancelled = true;
            await state.WriteStateAsync();
            _cancel.Cancel(); // a long adapt or embed step stops at its next batch
            logger.LogInformation("Training job {Job}: cancel requested", JobId);
            // A job not running now ends here (a running one ends when its step returns, and deletes them then).
            if (_run is not { IsCompleted: false }) await DeleteJobFilesAsync();
        }
        return Progress();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (IsFinished)
        {
            var r = await this.GetReminder(ReminderName);
            if (r is not null) await this.UnregisterReminder(r);
            return;
        }
        EnsureRunning();
    }

    private bool IsFinished => state.State.LastCompleted == TrainingStage.Publish || state.State.Error is not null
        || state.State.Cancelled;

    private void EnsureRunning()
    {
        if (state.State.Request is null || IsFinished || _run is { IsCompleted: false }) return;
        DelayDeactivation(TimeSpan.FromHours(2));
        _run = RunAsync();
    }

    private async Task RunAsync()
    {
        var s = state.State;
        var request = s.Request!;
        s.Runs++;
        await state.WriteStateAsync();
        using var steps = new TrainingSteps(JobId, request, models, GrainFactory, options.Value.MaxChunkBytes,
            (p, loss) =>
            {
                // Runs on thread-pool threads: only this activation's own fields, never its persistent state (Orleans
                // refuses state access off the activation's scheduler).
                if (_progress is not { } current) return;
                _progress = current with { Percent = p, Loss = loss ?? current.Loss };
                RebMetrics.TrainingProgress(JobId, request.Line, current.Stage, p);
            });
        try
        {
            while (s.LastCompleted < TrainingStage.Publish)
            {
                if (s.Cancelled) break; // Cancel() persisted the flag; the job stops before its next step.
                var next = s.LastCompleted + 1;
                _progress = new TrainingProgress(JobId, next, 0, null, null, null, s.Resumes);
                RebMetrics.TrainingProgress(JobId, request.Line, next, 0);
                if (next == TrainingStage.Publish)
                {
                    var version = await steps.Publish();
                    await GrainFactory.GetGrain<IProductLineGrain>(request.Line)
                        .RegisterVersion(version, request.Promote);
                    s.Version = version;
                    s.Warning = steps.CalibrationWarning;
                }
                else await steps.Run(next, _cancel.Token);
                s.LastCompleted = next;
                await state.WriteStateAsync();
                logger.LogInformation("Training job {Job}: step {Step} done", JobId, next);
            }
        }
        catch (OperationCanceledException) when (s.Cancelled)
        {
            logger.LogInformation("Training job {Job}: cancelled during step {Step}", JobId, s.LastCompleted + 1);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Training job {Job} failed in step {Step}", JobId, s.LastCompleted + 1);
            s.Error = TrainingErrors.ForClients(JobId, s.LastCompleted + 1, e); // the full reason is in the log above
            await state.WriteStateAsync();
        }
        _progress = null;
        RebMetrics.TrainingProgress(JobId, request.Line, Progress().Stage, 0);
        if (IsFinished)
        {
            steps.Cleanup();
            await DeleteJobFilesAsync();
        }
    }

    /// <summary>
    /// The job has ended, however it ended (completed, failed, cancelled, or failed after resuming on another silo):
    /// its uploaded images and its checkpoints (<c>jobs/&lt;id&gt;/</c>) are no longer needed.
    /// </summary>
    private async Task DeleteJobFilesAsync()
    {
        await DeleteUploadsAsync();
        try
        {
            var (files, bytes) = await TrainingBlobs.DeleteAllAsync(models.Artefacts, JobId);
            if (files == 0) return;
            logger.LogInformation("Training job {Job}: deleted its {Count} checkpoints ({Bytes} bytes)", JobId, files,
                bytes);
            await RetentionRecorder.RecordAsync(GrainFactory,
                new RetentionTotals { CheckpointFiles = files, CheckpointBytes = bytes }, logger);
        }
        catch (Exception e)
        {
            // The job's outcome stands; its checkpoints stay until an operator removes jobs/<id>/.
            logger.LogWarning(e, "Training job {Job}: could not delete its checkpoints", JobId);
        }
    }

    private async Task DeleteUploadsAsync()
    {
        if (state.State.Request is not { } request) return;
        try
        {
            int n = await TrainingUploads.DeleteAsync(models.Artefacts, request);
            if (n > 0) logger.LogInformation("Training job {Job}: deleted its {Count} uploaded images", JobId, n);
        }
        catch (Exception e)
        {
            // The upload retention sweep deletes them later; the job's outcome stands either way.
            logger.LogWarning(e, "Training job {Job}: could not delete its uploads", JobId);
        }
    }

    private TrainingProgress Progress()
    {
        var s = state.State;
        if (s.Error is not null)
            return new TrainingProgress(JobId, TrainingStage.Failed, 0, null, s.Version, s.Error, s.Resumes);
        if (s.LastCompleted == TrainingStage.Publish)
            return new TrainingProgress(JobId, TrainingStage.Completed, 100, null, s.Version, null,
                s.Resumes) { Warning = s.Warning };
        if (s.Cancelled && _run is not { IsCompleted: false })
            return new TrainingProgress(JobId, TrainingStage.Cancelled, 0, null, null, null, s.Resumes);
        return _progress ?? new TrainingProgress(JobId, s.Request is null ? TrainingStage.Queued : s.LastCompleted + 1,
            0, null, null, null, s.Resumes);
    }
}
