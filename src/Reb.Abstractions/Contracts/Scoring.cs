namespace Reb.Abstractions.Contracts;

/// <summary>Score one image of a product line with one model version split over <see cref="Shards"/> bank shards.</summary>
/// <param name="Image">Encoded image (PNG, JPEG, ...): decoded and resized on the scoring silo.</param>
[GenerateSerializer, Immutable]
public sealed record ScoreRequest([property: Id(0)] string Line, [property: Id(1)] string Version, [property: Id(2)] int Shards,
    [property: Id(3)] byte[] Image, [property: Id(4)] string Name);

/// <summary>Result of scoring one image.</summary>
/// <param name="Score">Image anomaly score (max of the 3x3-pooled patch-score map).</param>
/// <param name="Reject">Score &gt;= the model's calibrated threshold.</param>
/// <param name="Map">Pixel anomaly map, MapSize x MapSize row-major (the model's input size).</param>
[GenerateSerializer, Immutable]
public sealed record ScoreResult([property: Id(0)] string Line, [property: Id(1)] string Version, [property: Id(2)] string Name,
    [property: Id(3)] float Score, [property: Id(4)] bool Reject, [property: Id(5)] double Threshold,
    [property: Id(6)] int MapSize, [property: Id(7)] float[] Map, [property: Id(8)] int Shards);
