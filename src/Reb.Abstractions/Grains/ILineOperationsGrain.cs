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
    /// Gives an unclaimed line to <paramref name="site"/> (and lists it in that site's <see
    /// cref="ILineDirectoryGrain"/>); a claimed line keeps its site. Returns the settings after the call.
    /// </summary>
    Task<LineSettings> Claim(string site);

    /// <summary>
    /// Sets (or with null clears) the threshold override and audits old -> new. A retry with the same
    /// <paramref name="requestId"/> after a lost reply changes nothing and writes no second audit entry.
    /// </summary>
    Task<LineSettings> SetThreshold(double? threshold, AuditActor who, Guid? requestId = null);

    /// <summary>Appends an audit entry (actions done on other grains, e.g. promote and roll back).</summary>
    Task Audit(AuditActor who, string action, string? oldValue, string? newValue);

    /// <summary>Audit entries, newest first.</summary>
    [ReadOnly] Task<IReadOnlyList<AuditEntry>> GetAudit(int take);
}
