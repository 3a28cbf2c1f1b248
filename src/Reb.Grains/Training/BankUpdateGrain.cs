using Microsoft.Extensions.Logging;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Reb.Grains.Diagnostics;
using Reb.Grains.Hosting;
using Reb.Grains.Models;

namespace Reb.Grains.Training;

/// <summary>
/// Runs a line's bank update (<see cref="BankUpdateStep"/>, then registering the version) in the background of its
/// activation, one job per line at a time: the grain is keyed by line, so every gateway reaches the same activation,
/// and a second ask for the same update joins the running job. The request is persisted before the first step and the
/// outcome after each; a re-activated grain (its silo lost) resumes after the last completed step, and a reminder
/// re-activates it when nobody asks.
/// </summary>
[Placement.PreferGpuPlacement] // embedding the reviewed images is the backbone's work: on a GPU silo when there is one
public sealed class BankUpdateGrain(
    [PersistentState("bank-update", StorageNames.Registry)] IPersistentState<BankUpdateState> state,
    SiloModelCache models, ILogger<BankUpdateGrain> logger) : Grain, IBankUpdateGrain, IRemindable
{
    private const string ReminderName = "resume-bank-update";
    private Task? _run;
    private volatile TrainingProgress? _progress;
    // Progress callbacks run on thread-pool threads, where Orleans refuses access to the persistent state: the resume
    // count they report is copied here on the activation's thread.
    private int _resumes;

    // Read once on the activation's thread: progress callbacks run on thread-pool threads.
    private string? _line;
    private string Line => _line ??= this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _ = Line;
        // A job that was running when its previous activation died continues as soon as anything touches it.
        if (state.State.Request is not null && !IsFinished && state.State.Runs > 0)
        {
            state.State.Resumes++;
            EnsureRunning();
        }
        return Task.CompletedTask;
    }

    public async Task<BankUpdateStatus> Start(BankUpdateRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Line != Line)
            throw new ArgumentException($"a bank update of line '{request.Line}' sent to line '{Line}'");
        if (request.ImageKeys.Count == 0 || request.ImageKeys.Count != request.InspectionIds.Count)
            throw new ArgumentException("a bank update needs one stored image per inspection, and at least one");
        var s = state.State;
        if (s.Request is { } current && current.SameUpdate(request) && !(IsFinished && s.Error is not null))
        {
            EnsureRunning(); // joins the running job, or answers the completed one again
            return Status();
        }
        if (s.Request is not null && !IsFinished)
            throw new RegistryConflictException(
                $"line '{Line}' runs another bank update (job {s.JobId}): wait for it to finish");
        state.State = new BankUpdateState { JobId = Guid.NewGuid().ToString("N"), Request = request };
        await state.WriteStateAsync();
        await this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        logger.LogInformation("Bank update {Job} of line {Line}: {Images} images onto {Version}", state.State.JobId,
            Line,
            request.ImageKeys.Count, request.BaseVersion);
        EnsureRunning();
        return Status();
    }

    public Task<BankUpdateStatus> GetStatus() => Task.FromResult(Status());

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (IsFinished || state.State.Request is null)
        {
            var r = await this.GetReminder(ReminderName);
            if (r is not null) await this.UnregisterReminder(r);
            return;
        }
        EnsureRunning();
    }

    private bool IsFinished => state.State.LastCompleted == TrainingStage.Publish || state.State.Error is not null;

    private void EnsureRunning()
    {
        if (state.State.Request is null || IsFinished || _run is { IsCompleted: false }) return;
        DelayDeactivation(TimeSpan.FromHours(1));
        _run = RunAsync();
    }

    private async Task RunAsync()
    {
        var s = state.State;
        var request = s.Request!;
        var job = s.JobId!;
        s.Runs++;
        _resumes = s.Resumes;
        await state.WriteStateAsync();
        var step = TrainingStage.Embed;
        try
        {
            if (s.LastCompleted < TrainingStage.Embed)
            {
                Report(job, TrainingStage.Embed, 0);
                s.Outcome = await BankUpdateStep.RunAsync(request, models, p => Report(job, TrainingStage.Embed, p),
                    CancellationToken.None);
                s.LastCompleted = TrainingStage.Embed;
                await state.WriteStateAsync();
                logger.LogInformation("Bank update {Job} of line {Line}: published {Version}", job, Line,
                    s.Outcome.Version);
            }
            step = TrainingStage.Publish;
            Report(job, TrainingStage.Publish, 0);
            await GrainFactory.GetGrain<IProductLineGrain>(Line).RegisterVersion(s.Outcome!.Version, promote: false);
            s.LastCompleted = TrainingStage.Publish;
            await state.WriteStateAsync();
            logger.LogInformation("Bank update {Job} of line {Line}: done", job, Line);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Bank update {Job} of line {Line} failed in step {Step}", job, Line, step);
            // A version that cannot take appended images (coreset) is the caller's to fix; say why. Anything else: the
            // full reason is in the log above.
            s.Refused = e is NotSupportedException;
            s.Error = s.Refused ? e.Message : TrainingErrors.ForClients(job, step, e);
            await state.WriteStateAsync();
        }
        _progress = null;
        RebMetrics.TrainingProgress(job, Line, Status().Progress.Stage, 0);
    }

    private void Report(string job, TrainingStage stage, double percent)
    {
        _progress = new TrainingProgress(job, stage, percent, null, null, null, _resumes);
        RebMetrics.TrainingProgress(job, Line, stage, percent);
    }

    private BankUpdateStatus Status()
    {
        var s = state.State;
        var job = s.JobId ?? "";
        var progress = s.Error is not null
            ? new TrainingProgress(job, TrainingStage.Failed, 0, null, null, s.Error, s.Resumes)
            : s.LastCompleted == TrainingStage.Publish
                ? new TrainingProgress(job, TrainingStage.Completed, 100, null, s.Outcome?.Version, null,
                    s.Resumes) { Warning = s.Outcome?.Warning }
            : _progress ?? new TrainingProgress(job, s.Request is null ? TrainingStage.Queued : s.LastCompleted + 1, 0,
                null, null, null, s.Resumes);
        return new BankUpdateStatus(progress, s.Request, s.Outcome, s.Refused, s.Runs);
    }
}
