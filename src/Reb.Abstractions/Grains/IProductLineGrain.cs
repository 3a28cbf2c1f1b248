using Orleans.Concurrency;
using Reb.Abstractions.Contracts;

namespace Reb.Abstractions.Grains;

/// <summary>
/// One product line (key = line id, e.g. "pcb"): its model registry (immutable content-addressed versions, the
/// current one, promote / roll back), and its training jobs. Scoring goes straight to the stateless scoring grain (see
/// RebClusterClient). State is persisted through
/// the grain storage provider named <see cref="StorageNames.Registry"/>.
/// </summary>
public interface IProductLineGrain : IGrainWithStringKey
{
    /// <summary>
    /// Adds a published version (checked: it exists in the artefact store and passes its checksums). The first
    /// version, or any with <paramref name="promote"/>, becomes current. Throws <see cref="ModelVersionException"/>
    /// when the version is missing or corrupt; the registry is then unchanged.
    /// </summary>
    Task<ProductLineStatus> RegisterVersion(string version, bool promote = false);

    /// <summary>
    /// Makes a registered version current (re-verified first); the old current can be rolled back to. With
    /// <paramref name="who"/>, the change is audited (old -> new read in the same grain turn as the change). A retry
    /// with the same <paramref name="requestId"/> after a lost reply changes and audits nothing.
    /// </summary>
    Task<ProductLineStatus> Promote(string version, AuditActor? who = null, Guid? requestId = null);

    /// <summary>
    /// Returns to the version that was current before the last promote (audited when <paramref name="who"/> is given).
    /// Throws <see cref="RegistryConflictException"/> when there is none. Not idempotent: retry it only with the
    /// same <paramref name="requestId"/> (a retry of a roll back that was done then answers without a second one).
    /// </summary>
    Task<ProductLineStatus> RollBack(AuditActor? who = null, Guid? requestId = null);

    /// <summary>How many bank shards scoring splits the current version into (1..64).</summary>
    Task<ProductLineStatus> SetShards(int shards);

    [ReadOnly] Task<ProductLineStatus> GetStatus();

    /// <summary>Starts a training job for this line; returns its job id, a new GUID (poll <see
    /// cref="ITrainingGrain"/>).</summary>
    Task<string> StartTraining(TrainingRequest request);
}
