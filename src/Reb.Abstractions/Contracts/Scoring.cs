namespace Reb.Abstractions.Contracts;

/// <summary>Score one image of a product line with one model version split over <see cref="Shards"/> bank
/// shards.</summary>
/// <param name="Image">Encoded image (PNG, JPEG, ...): decoded and resized on the scoring silo.</param>
/// <param name="ThresholdOverride">The line's threshold override, if it has one: the scoring grain decides the verdict
/// against it (else against the model's calibrated threshold), so every caller shows one verdict.</param>
[GenerateSerializer, Immutable]
public sealed record ScoreRequest([property: Id(0)] string Line, [property: Id(1)] string Version,
    [property: Id(2)] int Shards,
    [property: Id(3)] byte[] Image, [property: Id(4)] string Name, [property: Id(5)] double? ThresholdOverride = null);

/// <summary>Result of scoring one image.</summary>
/// <param name="Score">Image anomaly score (max of the 3x3-pooled patch-score map).</param>
/// <param name="Reject">The verdict: Score &gt;= <paramref name="Threshold"/>.</param>
/// <param name="Threshold">The effective threshold: the line's override, else the model's calibrated one.</param>
/// <param name="Map">Pixel anomaly map, MapHeight x MapWidth row-major (the image's resized size: MapSize x MapSize in
/// square mode).</param>
[GenerateSerializer, Immutable]
public sealed record ScoreResult([property: Id(0)] string Line, [property: Id(1)] string Version,
    [property: Id(2)] string Name,
    [property: Id(3)] float Score, [property: Id(4)] bool Reject, [property: Id(5)] double Threshold,
    [property: Id(6)] int MapSize, [property: Id(7)] float[] Map, [property: Id(8)] int Shards)
{
    /// <summary>Rows of <see cref="Map"/> (native-aspect lines have non-square maps); defaults to MapSize.</summary>
    [Id(9)] public int MapHeight { get; init; } = MapSize;
    /// <summary>Columns of <see cref="Map"/>; defaults to MapSize.</summary>
    [Id(10)] public int MapWidth { get; init; } = MapSize;
}
