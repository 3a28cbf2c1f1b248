namespace Reb.Abstractions.Contracts;

/// <summary>One row of the inspection history as a grain returns it (the CLI's `reb cluster history`).</summary>
/// <param name="Review">"none", "confirmed" or "overturned".</param>
[GenerateSerializer, Immutable]
public sealed record HistoryRow([property: Id(0)] string Id, [property: Id(1)] string Site,
    [property: Id(2)] string Line,
    [property: Id(3)] string Version, [property: Id(4)] double Score, [property: Id(5)] bool Reject,
    [property: Id(6)] double Threshold,
    [property: Id(7)] double LatencyMs, [property: Id(8)] DateTimeOffset TimeUtc, [property: Id(9)] string? ImageName,
    [property: Id(10)] string? ImageKey, [property: Id(11)] string Review, [property: Id(12)] string? Reviewer,
    [property: Id(13)] DateTimeOffset? ReviewedUtc, [property: Id(14)] string? Note,
    [property: Id(15)] string? BankVersion);

/// <summary>A history query of one line (the line's own site is implied): [From, To), verdict reject|good|any, review
/// none|reviewed|confirmed|overturned|any.</summary>
[GenerateSerializer, Immutable]
public sealed record HistoryQuery([property: Id(0)] string Line, [property: Id(1)] DateTimeOffset? From = null,
    [property: Id(2)] DateTimeOffset? To = null,
    [property: Id(3)] string? Verdict = null, [property: Id(4)] string? Review = null,
    [property: Id(5)] int Limit = 1000);

/// <summary>
/// An inspection a cluster client made (the CLI's `reb cluster score` and the main job's demo) to be kept in the
/// history like the gateway's: the scoring grain's result, the image bytes (stored when the verdict is a reject or the
/// accept is sampled) and, when the client rendered one, the overlay PNG.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record InspectionToRecord([property: Id(0)] string Line, [property: Id(1)] string Version,
    [property: Id(2)] double Score,
    [property: Id(3)] bool Reject, [property: Id(4)] double Threshold, [property: Id(5)] double LatencyMs,
    [property: Id(6)] string ImageName,
    [property: Id(7)] byte[] Image, [property: Id(8)] byte[]? OverlayPng = null);
