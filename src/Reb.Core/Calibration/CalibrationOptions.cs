namespace Reb.Core.Calibration;

/// <summary>Settings of calibrating a line's threshold to a target false-reject rate.</summary>
public sealed record CalibrationOptions
{
    /// <summary>Wanted fraction of good parts rejected (0.01 = one in a hundred).</summary>
    public double TargetFalseRejectRate { get; init; } = 0.01;

    /// <summary>Confidence that the true false-reject rate of the chosen threshold is at most the target (when n allows
    /// it).</summary>
    public double Confidence { get; init; } = 0.9;

    /// <summary>
    /// Contiguous folds in file order, used only where the grouped folds cannot split a line (every image a
    /// near-duplicate of the others) and by models recorded before grouped folds existed.
    /// </summary>
    public int Folds { get; init; } = 10;

    /// <summary>Out-of-fold images that get DefectMaker defects (six kinds each) for the predicted escape rate; 0 =
    /// skip.</summary>
    public int SyntheticImages { get; init; } = 30;

    /// <summary>
    /// Near-duplicate rule of the grouped folds: two images closer than this fraction of the line's median image
    /// distance
    /// are left out together (<see cref="ImageGrouping"/>). Measured at 64 px on real boards: frames shifted 6-11 px
    /// with noise lie at 0.18-0.24 of the median, distinct boards and magnetic tiles at 0.6-0.9 of it.
    /// </summary>
    public double TwinRatio { get; init; } = 0.4;

    /// <summary>
    /// Where the target cannot be certified (young lines): an escape costs this many false rejects, and the threshold
    /// minimises predicted false rejects + EscapeCost x predicted escapes.
    /// </summary>
    public double EscapeCost { get; init; } = 10;

    /// <summary>
    /// The cost rule never picks a threshold whose predicted false-reject rate is above this: on a line whose detector
    /// cannot yet tell the synthetic defects from good parts, "reject everything" would otherwise be the cheapest
    /// answer,
    /// and no plant can run a line that way. The escapes this leaves are predicted and the line warns about them.
    /// </summary>
    public double MaxFalseRejectRate { get; init; } = 0.03;

    /// <summary>A predicted escape rate above this makes the line say it needs more good images or reviewed
    /// parts.</summary>
    public double MaxPredictedEscape { get; init; } = 0.2;

    public int Seed { get; init; } = 0;

    public void Validate()
    {
        if (!(TargetFalseRejectRate > 0 && TargetFalseRejectRate < 1))
            throw new ArgumentOutOfRangeException(nameof(TargetFalseRejectRate), TargetFalseRejectRate,
                "the target false-reject rate must be in (0, 1), e.g. 0.01");
        if (!(Confidence > 0 && Confidence < 1))
            throw new ArgumentOutOfRangeException(nameof(Confidence), Confidence,
                "the confidence must be in (0, 1), e.g. 0.9");
        if (Folds < 2) throw new ArgumentOutOfRangeException(nameof(Folds), Folds,
            "at least 2 folds are needed for out-of-fold scores");
        if (!(TwinRatio >= 0 && TwinRatio < 1))
            throw new ArgumentOutOfRangeException(nameof(TwinRatio), TwinRatio,
                "the near-duplicate ratio must be in [0, 1)");
        if (!(EscapeCost > 0) || double.IsInfinity(EscapeCost))
            throw new ArgumentOutOfRangeException(nameof(EscapeCost), EscapeCost,
                "the escape cost must be > 0, e.g. 10");
        if (!(MaxPredictedEscape >= 0 && MaxPredictedEscape <= 1))
            throw new ArgumentOutOfRangeException(nameof(MaxPredictedEscape), MaxPredictedEscape,
                "the escape limit must be in [0, 1]");
        if (!(MaxFalseRejectRate >= 0 && MaxFalseRejectRate <= 1))
            throw new ArgumentOutOfRangeException(nameof(MaxFalseRejectRate), MaxFalseRejectRate,
                "the false-reject cap must be in [0, 1], e.g. 0.03");
        if (SyntheticImages < 0) throw new ArgumentOutOfRangeException(nameof(SyntheticImages), SyntheticImages,
            "synthetic images must be >= 0");
    }
}
