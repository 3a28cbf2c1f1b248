using System.Globalization;
using Orleans.Serialization;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;

namespace Reb.Grains.Operations;

/// <summary>Persisted operational state of a line: site, threshold override, audit log.</summary>
[GenerateSerializer]
public sealed class LineOperationsState
{
    [Id(0)] public string? Site { get; set; }
    [Id(1)] public double? ThresholdOverride { get; set; }
    /// <summary>Oldest first; capped at <see cref="LineOperationsGrain.MaxAuditEntries"/>.</summary>
    [Id(2)] public List<AuditEntry> Audit { get; set; } = [];
    /// <summary>Recent threshold changes by request id (see <see cref="RecentRequests"/>).</summary>
    [Id(3)] public List<Guid> Requests { get; set; } = [];
}

/// <summary>
/// Site, threshold override and audit log of one line; every change is persisted before it is visible or acknowledged
/// (<see cref="DurableState"/>): a claim whose write failed is not taken for done by its retry.
/// </summary>
public sealed class LineOperationsGrain(
    [PersistentState("line-ops", StorageNames.Registry)] IPersistentState<LineOperationsState> state,
    DeepCopier copier) : Grain, ILineOperationsGrain
{
    /// <summary>Audit entries kept per line (oldest dropped first): bounded so that the state stays small.</summary>
    public const int MaxAuditEntries = 1000;

    private string Line => this.GetPrimaryKeyString();

    public Task<LineSettings> GetSettings() => Task.FromResult(Settings());

    public async Task<LineSettings> Claim(string site)
    {
        if (string.IsNullOrWhiteSpace(site))
            throw new ArgumentException($"line '{Line}': site must not be empty", nameof(site));
        if (state.State.Site is null) await state.ChangeAsync(this, copier, s => s.Site = site);
        // Listed every time: cheap and idempotent, and it repairs a directory that missed the first call.
        await GrainFactory.GetGrain<ILineDirectoryGrain>(state.State.Site ?? site).Add(Line);
        return Settings();
    }

    public async Task<LineSettings> SetThreshold(double? threshold, AuditActor who, Guid? requestId = null)
    {
        if (threshold is { } t && (!double.IsFinite(t) || t <= 0))
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold,
                "threshold must be a positive finite number (or null for the model's own)");
        if (RecentRequests.Contains(state.State.Requests, requestId)) return Settings(); // done; its reply was lost
        await state.ChangeAsync(this, copier, s =>
        {
            var old = s.ThresholdOverride;
            s.ThresholdOverride = threshold;
            RecentRequests.Remember(s.Requests, requestId);
            Append(s, who, "threshold", Format(old), Format(threshold));
        });
        return Settings();
    }

    public Task Audit(AuditActor who, string action, string? oldValue, string? newValue) =>
        state.ChangeAsync(this, copier, s => Append(s, who, action, oldValue, newValue));

    public Task<IReadOnlyList<AuditEntry>> GetAudit(int take) =>
        Task.FromResult<IReadOnlyList<AuditEntry>>(Enumerable.Reverse(state.State.Audit).Take(Math.Max(0, take))
            .ToList());

    private static void Append(LineOperationsState s, AuditActor who, string action, string? oldValue, string? newValue)
    {
        var audit = s.Audit;
        audit.Add(new AuditEntry(DateTimeOffset.UtcNow, who.ToString(), who.Site, who.Role, action, oldValue,
            newValue));
        if (audit.Count > MaxAuditEntries) audit.RemoveRange(0, audit.Count - MaxAuditEntries);
    }

    /// <summary>"model" stands for "no override": the value people see in the audit log.</summary>
    private static string Format(double? t) => t is { } v ? v.ToString("R", CultureInfo.InvariantCulture) : "model";

    private LineSettings Settings() => new(state.State.Site, state.State.ThresholdOverride);
}
