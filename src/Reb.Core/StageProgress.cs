namespace Reb.Core;

/// <summary>Progress of a long stage: which stage, how far (0..1), and an optional detail (e.g. the file being read).</summary>
public readonly record struct StageProgress(string Stage, double Fraction, string? Detail = null);
