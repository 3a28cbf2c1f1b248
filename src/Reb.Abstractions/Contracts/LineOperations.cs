namespace Reb.Abstractions.Contracts;

/// <summary>Site names shared by the grains and the gateway.</summary>
public static class Sites
{
    /// <summary>Site of a line created outside the HTTP API (CLI, tests) before any key claimed it.</summary>
    public const string Default = "default";
}

/// <summary>Operational settings of a product line beside its model registry: owning site and threshold
/// override.</summary>
/// <param name="Site">Site that owns the line; null until claimed (then <see cref="Sites.Default"/> applies).</param>
/// <param name="ThresholdOverride">Reject threshold set by an engineer; null = the current model's calibrated
/// one.</param>
[GenerateSerializer, Immutable]
public sealed record LineSettings([property: Id(0)] string? Site, [property: Id(1)] double? ThresholdOverride)
{
    /// <summary>The owning site with the default applied.</summary>
    public string EffectiveSite => Site ?? Sites.Default;
}

/// <summary>Who made a change, as recorded in the audit log.</summary>
[GenerateSerializer, Immutable]
public sealed record AuditActor([property: Id(0)] string KeyId, [property: Id(1)] string Name,
    [property: Id(2)] string Site,
    [property: Id(3)] string Role)
{
    public override string ToString() => $"{Name} ({KeyId})";
}

/// <summary>One audited change of a line (threshold, promote, roll back, training started, ...).</summary>
[GenerateSerializer, Immutable]
public sealed record AuditEntry([property: Id(0)] DateTimeOffset WhenUtc, [property: Id(1)] string Who,
    [property: Id(2)] string Site,
    [property: Id(3)] string Role, [property: Id(4)] string Action, [property: Id(5)] string? OldValue,
    [property: Id(6)] string? NewValue);

/// <summary>One inspected image as the line's recent-inspections log keeps it (the overlay PNGs are kept beside
/// it).</summary>
[GenerateSerializer, Immutable]
public sealed record InspectionRecord([property: Id(0)] string Id, [property: Id(1)] string Line,
    [property: Id(2)] string Name,
    [property: Id(3)] string Version, [property: Id(4)] float Score, [property: Id(5)] bool Reject,
    [property: Id(6)] double Threshold,
    [property: Id(7)] double LatencyMs, [property: Id(8)] DateTimeOffset TimestampUtc);

/// <summary>Inspection counters of a line since it was created.</summary>
/// <param name="ThroughputPerMin">Inspections recorded during the last minute.</param>
[GenerateSerializer, Immutable]
public sealed record InspectionCounters([property: Id(0)] long Inspections, [property: Id(1)] long Rejects,
    [property: Id(2)] double ThroughputPerMin, [property: Id(3)] DateTimeOffset? LastInspectionUtc);

/// <summary>What a model version's manifest says that people need: calibration and training summary.</summary>
[GenerateSerializer, Immutable]
public sealed record ModelVersionInfo([property: Id(0)] string Version, [property: Id(1)] string Category,
    [property: Id(2)] DateTimeOffset CreatedUtc, [property: Id(3)] int ImageSize, [property: Id(4)] double Threshold,
    [property: Id(5)] double GoodMedian, [property: Id(6)] float[] GoodScores, [property: Id(7)] int TrainingImages,
    [property: Id(8)] string ThresholdMethod, [property: Id(9)] double ThresholdQuantile,
    [property: Id(10)] double ThresholdMargin)
{
    /// <summary>"target" or "cost" (young lines); null for the legacy rule.</summary>
    [Id(11)] public string? ThresholdRule { get; init; }
    [Id(12)] public double? PredictedFalseRejectRate { get; init; }
    /// <summary>SYNTHETIC: DefectMaker defects on out-of-fold training images.</summary>
    [Id(13)] public double? PredictedEscapeRate { get; init; }
    /// <summary>"this line needs more good images or reviewed parts: ..." while the version is too young to
    /// trust.</summary>
    [Id(14)] public string? CalibrationWarning { get; init; }
    /// <summary>The calibration record (rule, intervals, out-of-fold and synthetic defect scores); null for the legacy
    /// rule.</summary>
    [Id(15)] public ModelCalibration? Calibration { get; init; }
}

/// <summary>
/// A stored API key: only a salted hash of its secret is kept, never the key itself. <see cref="Signature"/> is the
/// gateways' HMAC over every other field (Reb.Gateway's KeyRecordSigner): a record changed or forged in the state store
/// fails it and is refused. Null for a record written before signing or by a gateway without a signing key.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ApiKeyRecord([property: Id(0)] string Id, [property: Id(1)] string Name,
    [property: Id(2)] string Site,
    [property: Id(3)] string Role, [property: Id(4)] byte[] Salt, [property: Id(5)] byte[] Hash,
    [property: Id(6)] DateTimeOffset CreatedUtc, [property: Id(7)] string CreatedBy)
{
    [Id(8)] public byte[]? Signature { get; init; }
}
