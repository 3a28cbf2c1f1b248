using System.Globalization;

namespace Reb.Core.Calibration;

/// <summary>
/// Which rule sets a line's threshold. Where the target false-reject rate can be certified (enough good scores:
/// <see cref="TargetThreshold"/>'s order statistic), that rule ("target"). Where it cannot (a young line) and synthetic
/// defect scores exist, the threshold that minimises predicted false rejects + EscapeCost x predicted escapes
/// (<see cref="CostThreshold"/>, "cost"): the extrapolated tail of a few dozen out-of-fold scores would otherwise put
/// the threshold above every defect. Without synthetic scores the uncertified target rule stays ("target").
/// Both predicted rates carry binomial (Clopper-Pearson) intervals; the warning says when the line needs more images.
/// </summary>
public static class ThresholdRule
{
    public const string Target = "target";
    public const string Cost = "cost";
    private const double Coverage = 0.9;

    public static CalibrationRecord Choose(float[] outOfFoldScores, SyntheticEscapeEstimate? synthetic,
        CalibrationOptions options, string foldRule, int folds)
    {
        var record = TargetThreshold.FromScores(outOfFoldScores, options, foldRule, folds) with { RuleKind = Target };
        var defects = synthetic?.PerKind.Values.SelectMany(k => k.Scores).ToArray() ?? [];
        if (!record.Certified && defects.Length > 0)
        {
            var c = CostThreshold.Choose(outOfFoldScores, defects, options.EscapeCost, options.MaxFalseRejectRate);
            var (lo, hi) = BinomialBounds.ClopperPearson(c.FalseRejects, c.Good, Coverage);
            string rule = string.Format(CultureInfo.InvariantCulture,
                "cost: {0} out-of-fold good scores cannot certify {1:P2}; threshold minimises predicted false " +
                "rejects + {2} x " +
                "predicted escapes at most {6:P1} false rejects ({0} good out-of-fold scores, {3} synthetic " +
                "defects): " +
                "{4} false rejects, {5} escapes",
                c.Good, options.TargetFalseRejectRate, options.EscapeCost, c.Defects, c.FalseRejects, c.Escapes,
                options.MaxFalseRejectRate);
            record = record with
            {
                Rule = rule, RuleKind = Cost, Threshold = c.Threshold, OrderStatistic = null,
                EscapeCost = options.EscapeCost, MaxFalseRejectRate = options.MaxFalseRejectRate,
                PredictedFalseRejectRate = c.FalseRejectRate,
                PredictedLower = lo, PredictedUpper = hi, IntervalCoverage = Coverage,
            };
        }
        return WithEscapes(record, synthetic, options);
    }

    /// <summary>
    /// The settings a recorded calibration was made with, for recalibrating after a bank update (no new synthetic
    /// defects are painted there: the recorded ones are re-read at the new threshold).
    /// </summary>
    public static CalibrationOptions OptionsOf(CalibrationRecord cal)
    {
        var defaults = new CalibrationOptions();
        return new CalibrationOptions
        {
            TargetFalseRejectRate = cal.TargetFalseRejectRate, Confidence = cal.Confidence,
            Folds = Math.Max(2, cal.Folds),
            SyntheticImages = 0, EscapeCost = cal.EscapeCost ?? defaults.EscapeCost,
            MaxPredictedEscape = cal.MaxPredictedEscape ?? defaults.MaxPredictedEscape,
            MaxFalseRejectRate = cal.MaxFalseRejectRate ?? defaults.MaxFalseRejectRate,
            TwinRatio = cal.Grouping is { TypicalDistance: > 0 } g ? g.Cutoff / g.TypicalDistance : defaults.TwinRatio,
        };
    }

    /// <summary>
    /// Recalibration after reviewed good images joined the bank: the grown bank regrouped into folds, scored out of
    /// fold, and the threshold chosen by the same rules (the synthetic defects of the last fit re-read at it).
    /// </summary>
    public static CalibrationRecord Recalibrate(CalibrationRecord cal, Ldknn.LdknnIndex index,
        Features.BankLayout layout, IProgress<StageProgress>? progress, string stage)
    {
        var options = OptionsOf(cal);
        var (folds, grouping) = ImageGrouping.Group(index.CoreFeatures, layout, options);
        var scores = OutOfFoldScores.Compute(index.CoreFeatures, index, layout, folds, progress, stage);
        string foldRule = grouping.Method +
            (cal.Synthetic is null ? "" : "; synthetic defects as scored at the last fit");
        return Choose(scores, cal.Synthetic, options, foldRule, folds.Count) with { Grouping = grouping };
    }

    /// <summary>The synthetic estimate read at the record's threshold, the escape interval and the warning.</summary>
    public static CalibrationRecord WithEscapes(CalibrationRecord record, SyntheticEscapeEstimate? synthetic,
        CalibrationOptions options)
    {
        if (synthetic is not null)
        {
            var at = SyntheticEscape.AtThreshold(synthetic, record.Threshold);
            int total = at.PerKind.Values.Sum(k => k.Count);
            int escapes = at.PerKind.Values.Sum(k => k.Count - k.Detected);
            var (lo, hi) = BinomialBounds.ClopperPearson(escapes, total, Coverage);
            record = record with
            {
                Synthetic = at, PredictedEscapeRate = at.PredictedEscapeRate,
                PredictedEscapeLower = lo, PredictedEscapeUpper = hi,
                EscapeCost = record.EscapeCost ?? options.EscapeCost,
            };
        }
        return record with
        {
            MaxPredictedEscape = options.MaxPredictedEscape,
            Warning = CalibrationWarning.For(record, options.MaxPredictedEscape),
        };
    }
}

/// <summary>The sentence a young line shows until enough good images or reviewed parts make it go away.</summary>
public static class CalibrationWarning
{
    public static string? For(CalibrationRecord record, double maxPredictedEscape)
    {
        var reasons = new List<string>();
        var inv = CultureInfo.InvariantCulture;
        if (record.PredictedEscapeRate is { } e && e > maxPredictedEscape)
            reasons.Add(string.Format(inv, "predicted escapes {0:0} % (limit {1:0} %)", 100 * e,
                100 * maxPredictedEscape));
        // The cost rule may buy escapes with many false rejects on a line whose synthetic defects look normal: say so.
        if (record.RuleKind == ThresholdRule.Cost)
            reasons.Add(string.Format(inv, "predicted false rejects {0:0} %", 100 * record.PredictedFalseRejectRate));
        if (!record.Certified)
        {
            int n = record.OutOfFoldScores.Length;
            int needed =
                (int)Math.Ceiling(Math.Log(1 - record.Confidence) / Math.Log(1 - record.TargetFalseRejectRate));
            reasons.Add(string.Format(inv,
                "{0} good images cannot certify the {1:0.##} % false-reject target ({2} needed)",
                n, 100 * record.TargetFalseRejectRate, needed));
        }
        return reasons.Count == 0 ? null : "this line needs more good images or reviewed parts: " +
            string.Join("; ", reasons);
    }
}
