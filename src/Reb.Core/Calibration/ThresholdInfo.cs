namespace Reb.Core.Calibration;

/// <summary>
/// A line's reject threshold, calibrated on defect-free images only. GoodScores are the held-out scores of training
/// images, kept so that a person can see what false-reject rate another threshold would give.
/// </summary>
public sealed record ThresholdInfo(double Value, string Method, double Quantile, double Margin, double GoodMedian,
    float[] GoodScores)
{
    /// <summary>Calibration to a target false-reject rate (rule, out-of-fold scores, predictions); null for the legacy
    /// rule.</summary>
    public CalibrationRecord? Calibration { get; init; }
}
