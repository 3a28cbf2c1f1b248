namespace Reb.Core.Calibration;

/// <summary>Settings of calibrating a line's threshold to a target false-reject rate (issue 14).</summary>
public sealed record CalibrationOptions
{
    /// <summary>Wanted fraction of good parts rejected (0.01 = one in a hundred).</summary>
    public double TargetFalseRejectRate { get; init; } = 0.01;

    /// <summary>Confidence that the true false-reject rate of the chosen threshold is at most the target (when n allows it).</summary>
    public double Confidence { get; init; } = 0.9;

    /// <summary>
    /// Contiguous folds for out-of-fold scoring. Consecutive training images are often frames of one part, so a
    /// whole block is left out of the bank, not one image (measured on the shared data: see the README).
    /// </summary>
    public int Folds { get; init; } = 10;

    /// <summary>Out-of-fold images that get DefectMaker defects (six kinds each) for the predicted escape rate; 0 = skip.</summary>
    public int SyntheticImages { get; init; } = 30;

    public int Seed { get; init; } = 0;

    public void Validate()
    {
        if (!(TargetFalseRejectRate > 0 && TargetFalseRejectRate < 1))
            throw new ArgumentOutOfRangeException(nameof(TargetFalseRejectRate), TargetFalseRejectRate, "the target false-reject rate must be in (0, 1), e.g. 0.01");
        if (!(Confidence > 0 && Confidence < 1))
            throw new ArgumentOutOfRangeException(nameof(Confidence), Confidence, "the confidence must be in (0, 1), e.g. 0.9");
        if (Folds < 2) throw new ArgumentOutOfRangeException(nameof(Folds), Folds, "at least 2 folds are needed for out-of-fold scores");
        if (SyntheticImages < 0) throw new ArgumentOutOfRangeException(nameof(SyntheticImages), SyntheticImages, "synthetic images must be >= 0");
    }
}
