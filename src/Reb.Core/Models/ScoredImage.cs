namespace Reb.Core.Models;

/// <summary>One inspected image: its score, the verdict against the model's threshold, and its pixel anomaly
/// map.</summary>
/// <param name="Map">the anomaly map at MapHeight x MapWidth (the image's resized size; MapSize x MapSize in square
/// mode), row-major.</param>
public sealed record ScoredImage(string Path, float Score, bool Reject, float[] Map, int MapSize)
{
    /// <summary>Rows of <see cref="Map"/>: MapSize in square mode, the resized height in native-aspect mode.</summary>
    public int MapHeight { get; init; } = MapSize;
    /// <summary>Columns of <see cref="Map"/>.</summary>
    public int MapWidth { get; init; } = MapSize;
}
