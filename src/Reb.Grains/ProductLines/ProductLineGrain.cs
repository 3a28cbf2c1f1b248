using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Reb.Core.Models;
using Reb.Storage;
using Reb.Grains.Models;
using Reb.Grains.Operations;
using Orleans.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Reb.Grains.Diagnostics;
using Reb.Grains.Hosting;
using Reb.Storage.Inspections;

namespace Reb.Grains.ProductLines;

/// <summary>
/// A product line's model registry. Every change is validated before it is applied and persisted, so a refused
/// request (missing or corrupt version, nothing to roll back to) leaves the registry exactly as it was. A change is
/// visible only once it is written (<see cref="DurableState"/>): a promote whose write failed is not served as current
/// by this activation while storage still names the old version. A registration that takes the line past
/// <see cref="RebOptions.MaxVersionsPerLine"/> lets the oldest unpinned versions go (<see cref="VersionRetention"/>).
/// </summary>
public sealed class ProductLineGrain(
    [PersistentState("line", StorageNames.Registry)] IPersistentState<ProductLineState> state,
    SiloModelCache models, DeepCopier copier, IOptions<RebOptions> options, IInspectionHistory history,
    ILogger<ProductLineGrain> log) : Grain, IProductLineGrain
{
    private string Line => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Only a line with a record: a request for a made-up line activates this grain too, and must not become a
        // series (one per name a caller invents).
        if (state.RecordExists) RebMetrics.KeptVersions(Line, state.State.Versions.Count);
        // Versions registered before the holders' record existed: this line counts as holding them from now on.
        // All at once: each is another grain's store write, and one after the other they held a line with 50
        // versions in activation for seconds (past a caller's 8 s timeout on a loaded PostgreSQL).
        try
        {
            await Task.WhenAll(state.State.Versions.Select(v =>
                GrainFactory.GetGrain<IModelHoldersGrain>(v.Version).Hold(Line)));
        }
        catch (Exception e)
        {
            // Only deletion depends on it, and a version nobody recorded is never deleted: the line still serves.
            log.LogWarning(e, "line {Line}: could not record the versions it holds", Line);
        }
    }

    public async Task<ProductLineStatus> RegisterVersion(string version, bool promote = false)
    {
        await Verify(version);
        var old = state.State.Current;
        await state.ChangeAsync(this, copier, s =>
        {
            if (!s.Versions.Any(v => v.Version == version))
                s.Versions.Add(new ModelVersionEntry(version, DateTimeOffset.UtcNow, "published"));
            if (promote || s.Current is null) MakeCurrent(s, version);
        });
        await GrainFactory.GetGrain<IModelHoldersGrain>(version).Hold(Line);
        var s = state.State;
        // A line made outside the HTTP API (CLI, tests) belongs to the default site unless a site claimed it first.
        var ops = GrainFactory.GetGrain<ILineOperationsGrain>(Line);
        var settings = await ops.Claim(Sites.Default);
        // A registration that changes the current version (a training job's auto-promote, a CLI publish) is audited
        // like a promote by a person: whoever scores this line must be able to see when and why its model changed.
        if (s.Current != old)
            await ops.Audit(new AuditActor("registry", "auto-promote on registration", settings.EffectiveSite,
                "system"), "auto-promote", old, s.Current);
        await LetOldVersionsGoAsync(settings.EffectiveSite);
        return Status();
    }

    /// <summary>
    /// Removes the versions beyond the line's last N from the registry, then deletes the files of those no other line
    /// holds. A failure leaves them for the next registration: the registration itself stands.
    /// </summary>
    private async Task LetOldVersionsGoAsync(string site)
    {
        try
        {
            int keep = options.Value.MaxVersionsPerLine;
            if (keep <= 0 || state.State.Versions.Count <= keep) return;
            var awaitingReview = await history.VersionsAwaitingReviewAsync(site, Line);
            var remove = VersionRetention.Beyond(state.State, keep, awaitingReview);
            if (remove.Count > 0)
            {
                await state.ChangeAsync(this, copier, s => VersionRetention.Remove(s, remove));
                long bytes = 0;
                foreach (var v in remove)
                    if (await GrainFactory.GetGrain<IModelHoldersGrain>(v).ReleaseLast(Line))
                        bytes += await models.Artefacts.DeleteModelAsync(v);
                log.LogInformation(
                    "line {Line}: {Count} versions beyond the last {Keep} removed ({Bytes} bytes deleted): {Versions}",
                    Line, remove.Count, keep, bytes, string.Join(", ", remove));
                await RetentionRecorder.RecordAsync(GrainFactory,
                    new RetentionTotals { VersionsRemoved = remove.Count, VersionBytes = bytes }, log);
            }
        }
        catch (Exception e)
        {
            log.LogWarning(e, "line {Line}: could not remove versions beyond the last {Keep}", Line,
                options.Value.MaxVersionsPerLine);
        }
        RebMetrics.KeptVersions(Line, state.State.Versions.Count);
    }

    public async Task<ProductLineStatus> Promote(string version, AuditActor? who = null, Guid? requestId = null)
    {
        if (RecentRequests.Contains(state.State.Requests, requestId)) return Status(); // done; its reply was lost
        if (!state.State.Versions.Any(v => v.Version == version))
            throw new ModelVersionException(
                $"line '{Line}': version '{version}' is not registered (register it first)");
        await Verify(version);
        // Read here, after the awaits above and in the same turn as the change: the grain is not reentrant, so no
        // other promote or roll back can run between this read and the write.
        var old = state.State.Current;
        await state.ChangeAsync(this, copier, s =>
        {
            MakeCurrent(s, version);
            RecentRequests.Remember(s.Requests, requestId);
        });
        if (who is not null)
            await GrainFactory.GetGrain<ILineOperationsGrain>(Line).Audit(who, "promote", old, version);
        return Status();
    }

    public async Task<ProductLineStatus> RollBack(AuditActor? who = null, Guid? requestId = null)
    {
        if (RecentRequests.Contains(state.State.Requests, requestId)) return Status(); // done; its reply was lost
        if (state.State.Previous.Count == 0)
            throw new RegistryConflictException($"line '{Line}': no earlier version to roll back to");
        var target = state.State.Previous[^1];
        await Verify(target);
        var old = state.State.Current;
        await state.ChangeAsync(this, copier, s =>
        {
            s.Previous.RemoveAt(s.Previous.Count - 1);
            s.Current = target;
            RecentRequests.Remember(s.Requests, requestId);
        });
        if (who is not null)
            await GrainFactory.GetGrain<ILineOperationsGrain>(Line).Audit(who, "rollback", old, target);
        return Status();
    }

    public async Task<ProductLineStatus> SetShards(int shards)
    {
        if (TrainingRules.CheckShards(shards) is { } bad)
            throw new ArgumentOutOfRangeException(nameof(shards), shards, bad);
        await state.ChangeAsync(this, copier, s => s.Shards = shards);
        return Status();
    }

    public Task<ProductLineStatus> GetStatus() => Task.FromResult(Status());

    public async Task<string> StartTraining(TrainingRequest request)
    {
        if (request.Line != Line) throw new ArgumentException(
            $"training request is for line '{request.Line}', not '{Line}'", nameof(request));
        // A GUID, never derived from the line name: two lines whose names share a prefix get different jobs, and no
        // site can name a line so that its job id lands on another site's job.
        var jobId = Guid.NewGuid().ToString("N");
        await state.ChangeAsync(this, copier, s => s.Jobs.Add(jobId));
        await GrainFactory.GetGrain<ITrainingGrain>(jobId).Start(request);
        return jobId;
    }

    private static void MakeCurrent(ProductLineState s, string version)
    {
        if (s.Current == version) return;
        if (s.Current is not null) s.Previous.Add(s.Current);
        s.Current = version;
    }

    /// <summary>The version exists in the artefact store and its files pass their checksums (fetched on this
    /// silo).</summary>
    private async Task Verify(string version)
    {
        if (string.IsNullOrWhiteSpace(version)) throw new ModelVersionException($"line '{Line}': empty model version");
        try { await models.GetAsync(version); }
        catch (Exception e) when (ModelVersionErrors.From(e, version, $"line '{Line}'") is { } error) { throw error; }
    }

    private ProductLineStatus Status()
    {
        var s = state.State;
        return new ProductLineStatus(Line, s.Current, s.Versions.ToList(), s.Previous.ToList(), s.Shards,
            s.Jobs.ToList());
    }
}
