namespace Reb.Core.Models;

/// <summary>One inspected image: its score, the verdict against the model's threshold, and its pixel anomaly map.</summary>
/// <param name="Map">the anomaly map at MapSize x MapSize (the model's input size), row-major.</param>
public sealed record ScoredImage(string Path, float Score, bool Reject, float[] Map, int MapSize);
