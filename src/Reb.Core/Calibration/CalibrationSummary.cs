using System.Globalization;

namespace Reb.Core.Calibration;

/// <summary>The one line every front end prints about a calibrated threshold: the rule and both predicted
/// rates.</summary>
public static class CalibrationSummary
{
    public static string Line(CalibrationRecord c)
    {
        var inv = CultureInfo.InvariantCulture;
        string rule = c.RuleKind == ThresholdRule.Cost
            ? string.Format(inv,
                "rule cost (an escape costs {0} false rejects, at most {2:0.#} % false rejects; the {1:0.##} % " +
                "target is not " +
                "certifiable)", c.EscapeCost, 100 * c.TargetFalseRejectRate, 100 * (c.MaxFalseRejectRate ?? 1.0))
            : string.Format(inv, "rule target ({0:0.##} % false rejects, {1})", 100 * c.TargetFalseRejectRate,
                c.Certified ? "certified" : "not certifiable: tail extrapolation");
        string frr = string.Format(inv, "predicted false rejects {0:0.0} % [{1:0.0}, {2:0.0}]",
            100 * c.PredictedFalseRejectRate, 100 * c.PredictedLower, 100 * c.PredictedUpper);
        string escapes = c.PredictedEscapeRate is { } e
            ? string.Format(inv, ", predicted escapes {0:0.0} % [{1:0.0}, {2:0.0}] (synthetic defects)",
                100 * e, 100 * (c.PredictedEscapeLower ?? e), 100 * (c.PredictedEscapeUpper ?? e))
            : c.Synthetic is { } s ? string.Format(inv, ", predicted escapes {0:0.0} % (synthetic defects)",
                100 * s.PredictedEscapeRate)
            : "";
        string folds = c.Grouping is { } g
            ? string.Format(inv, "; {0} folds ({1} of near-duplicates)", g.Folds, g.GroupedFolds)
            : "";
        return rule + ": " + frr + escapes + folds;
    }
}
