using Reb.Core;
using Reb.Core.Features;
using Reb.Core.Imaging;
using Reb.Core.Models;
using Reb.Core.Pipeline;
using Spectre.Console;

namespace Reb.Cli.Commands;

/// <summary>The rows of the `reb eval` table: predicted next to measured rates, the legacy rule, the review
/// loop.</summary>
internal static class VerdictRows
{
    // Values contain brackets (intervals): escape them, Spectre would read them as markup.
    private static void Row(Table t, string name, string value) => t.AddRow(Markup.Escape(name), Markup.Escape(value));

    public static void Add(Table t, EvaluationReport rep)
    {
        if (rep.TargetFalseRejectRate is { } target)
        {
            var iv = rep.PredictedFalseRejectInterval;
            Row(t, "target false rejects", $"{target:P1} " +
                $"({(rep.CalibrationCertified == true ? "certified" : "not certifiable with these images")})");
            Row(t, "threshold rule", rep.ThresholdRuleKind == Reb.Core.Calibration.ThresholdRule.Cost
                ? "cost: minimises predicted false rejects + escape cost x predicted escapes (young line)"
                : "target: " +
                (rep.CalibrationCertified == true ? "order statistic (certified)" : "tail extrapolation"));
            if (rep.FoldGrouping is { } g)
                Row(t, "out-of-fold folds",
                    $"{g.Folds} ({g.GroupedFolds} of near-duplicates, largest {g.LargestFold} images)");
            Row(t, "predicted false rejects", $"{rep.PredictedFalseRejectRate:P2} [{iv?.Lower:P2}, {iv?.Upper:P2}] " +
                $"vs measured {rep.FalseRejectRate:P1}");
            if (rep.PredictedEscapeRate is { } esc)
            {
                var ei = rep.PredictedEscapeInterval;
                Row(t, "predicted escapes (SYNTHETIC)",
                    $"{esc:P1}" + (ei is null ? "" : $" [{ei.Lower:P1}, {ei.Upper:P1}]") +
                    $" vs measured {rep.EscapeRate:P1}; by kind: " +
                    string.Join(", ", rep.PredictedEscapeByKind!.Select(k => $"{k.Key} {k.Value:P0}")));
            }
            foreach (var check in rep.PredictionChecks) Row(t, $"check: {check.Rate}", check.Text);
            if (rep.CalibrationWarning is { } w) Row(t, "warning", w);
        }
        if (rep.LegacyRule is { } l)
            Row(t, "legacy rule (Q0.99 + 10 %)",
                $"{l.Threshold:0.####}: false rejects {l.FalseRejectRate:P1}, escapes {l.EscapeRate:P1}");
        if (rep.ReviewFalseRejectRate is { } rv)
        {
            Row(t, "review half (B's false rejects)",
                $"before {rv.Before:P1}, after {rv.After:P1} ({rv.Overturned} overturned of {rv.HalfA}; threshold " +
                $"{rv.ThresholdBefore:0.##} -> {rv.ThresholdAfter:0.##}; update {rv.UpdateSeconds:0.0} s)");
            if (rv.EscapesBefore is { } eb)
                Row(t, "review half (escapes)", $"before {eb:P1}, after {rv.EscapesAfter:P1} of {rv.Defects} " +
                    $"defective test images; rule after: {rv.RuleAfter}");
        }
    }
}
