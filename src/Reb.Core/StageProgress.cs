namespace Reb.Core;

/// <summary>
/// Progress of a long stage: which stage, how far (0..1), an optional detail (e.g. the file being read) and, while a
/// network trains, the loss of its latest optimiser step.
/// </summary>
public readonly record struct StageProgress(string Stage, double Fraction, string? Detail = null, double? Loss = null);
