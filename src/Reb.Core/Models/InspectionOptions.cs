using Reb.Core.Ldknn;

namespace Reb.Core.Models;

/// <summary>Settings of fitting and scoring a product line. Defaults = the method's reference configuration.</summary>
public sealed record InspectionOptions
{
    /// <summary>Images are resized to ImageSize x ImageSize (bicubic, no crop).</summary>
    public int ImageSize { get; init; } = 256;
    /// <summary>Images per backbone forward pass; 8 keeps memory small and the search efficient.</summary>
    public int BatchSize { get; init; } = 8;
    public LdknnOptions Ldknn { get; init; } = new();
    /// <summary>Use only the first N training images in sorted order (few-shot); null = all.</summary>
    public int? Shots { get; init; }
    /// <summary>
    /// Training images scored leave-one-out (against the bank without their own patches) to calibrate the reject
    /// threshold from defect-free images only. Spread evenly over the training set.
    /// </summary>
    public int CalibrationImages { get; init; } = 16;
    /// <summary>Threshold = Q(quantile) + margin * (Q(quantile) - median) of the calibration scores.</summary>
    public double ThresholdQuantile { get; init; } = 0.99;
    public double ThresholdMargin { get; init; } = 0.1;
    /// <summary>
    /// Calibrate to a target false-reject rate from out-of-fold scores of ALL training images
    /// (src/Reb.Core/Calibration). Null = the legacy quantile + margin rule above (the CLI sets it by default).
    /// </summary>
    public Calibration.CalibrationOptions? Calibration { get; init; }
}
