using Orleans.Concurrency;
using Reb.Abstractions.Contracts;

namespace Reb.Abstractions.Grains;

/// <summary>
/// Operational side of a product line (key = line id, like <see cref="IProductLineGrain"/>): owning site, threshold
/// override and the persisted audit log of changes. Kept apart from the model registry so that the registry stays a
/// registry. Persisted through <see cref="StorageNames.Registry"/>.
/// </summary>
public interface ILineOperationsGrain : IGrainWithStringKey
{
    [ReadOnly] Task<LineSettings> GetSettings();

    /// <summary>
    /// Gives an unclaimed line to <paramref name="site"/> (and lists it in that site's <see cref="ILineDirectoryGrain"/>);
    /// a claimed line keeps its site. Returns the settings after the call.
    /// </summary>
    Task<LineSettings> Claim(string site);

    /// <summary>Sets (or with null clears) the threshold override and audits old -> new.</summary>
    Task<LineSettings> SetThreshold(double? threshold, AuditActor who);

    /// <summary>Appends an audit entry (actions done on other grains, e.g. promote and roll back).</summary>
    Task Audit(AuditActor who, string action, string? oldValue, string? newValue);

    /// <summary>Audit entries, newest first.</summary>
    [ReadOnly] Task<IReadOnlyList<AuditEntry>> GetAudit(int take);
}

/// <summary>The lines of one site (key = site name), so that a site's lines can be listed.</summary>
public interface ILineDirectoryGrain : IGrainWithStringKey
{
    Task Add(string line);
    [ReadOnly] Task<IReadOnlyList<string>> List();
}

/// <summary>
/// Recent inspections of a line (key = line id): a bounded ring of the latest results with their overlay PNGs, and
/// the line's counters. The ring lives in memory (overlays are too large to persist on every inspection); the
/// counters are persisted at most every few seconds and when the activation ends.
/// </summary>
public interface IInspectionLogGrain : IGrainWithStringKey
{
    Task Record(InspectionRecord inspection, byte[] overlayPng, byte[] thumbnailPng);
    /// <summary>Latest inspections, newest first.</summary>
    [ReadOnly] Task<IReadOnlyList<InspectionRecord>> Latest(int take);
    /// <summary>Overlay PNG of a recent inspection (or its thumbnail); null when it left the ring.</summary>
    [ReadOnly] Task<byte[]?> Overlay(string id, bool thumbnail);
    [ReadOnly] Task<InspectionCounters> Counters();
}

/// <summary>Reads a model version's manifest on a silo (key = version); stateless, cached per silo.</summary>
public interface IModelInfoGrain : IGrainWithStringKey
{
    /// <summary>Throws <see cref="ModelVersionException"/> when the version does not exist or is corrupt.</summary>
    [ReadOnly] Task<ModelVersionInfo> GetInfo();
}

/// <summary>
/// The API key store (use key <see cref="Key"/>): records with salted hashes only. Hashing and checking happen in the
/// gateway; this grain never sees a secret.
/// </summary>
public interface IApiKeyStoreGrain : IGrainWithStringKey
{
    public const string Key = "keys";
    /// <summary>Adds or replaces a record, audited as created by <see cref="ApiKeyRecord.CreatedBy"/>.</summary>
    Task Put(ApiKeyRecord record);
    [ReadOnly] Task<ApiKeyRecord?> Find(string id);
    [ReadOnly] Task<IReadOnlyList<ApiKeyRecord>> List(string site);
    /// <summary>Removes the key (audited with <paramref name="who"/>); false when there was none.</summary>
    Task<bool> Revoke(string id, AuditActor? who = null);
    /// <summary>Key creations and revocations of <paramref name="site"/>, newest first.</summary>
    [ReadOnly] Task<IReadOnlyList<AuditEntry>> GetAudit(string site, int take);
}
