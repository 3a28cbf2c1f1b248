using Reb.Core;
using Reb.Core.Features;
using Reb.Core.Imaging;
using Reb.Core.Models;
using Reb.Core.Pipeline;
using Spectre.Console;

namespace Reb.Cli.Commands;

/// <summary>Issue 14's rows of the `reb eval` table: predicted next to measured rates, the legacy rule, the review loop.</summary>
internal static class VerdictRows
{
    // Values contain brackets (intervals): escape them, Spectre would read them as markup.
    private static void Row(Table t, string name, string value) => t.AddRow(Markup.Escape(name), Markup.Escape(value));

    public static void Add(Table t, EvaluationReport rep)
    {
        if (rep.TargetFalseRejectRate is { } target)
        {
            var iv = rep.PredictedFalseRejectInterval;
            Row(t, "target false rejects", $"{target:P1} ({(rep.CalibrationCertified == true ? "certified" : "not certifiable with these images: tail extrapolation")})");
            Row(t, "predicted false rejects", $"{rep.PredictedFalseRejectRate:P2} [{iv?.Lower:P2}, {iv?.Upper:P2}] vs measured {rep.FalseRejectRate:P1}");
            if (rep.PredictedEscapeRate is { } esc)
                Row(t, "predicted escapes (SYNTHETIC)", $"{esc:P1} vs measured {rep.EscapeRate:P1}; by kind: " +
                    string.Join(", ", rep.PredictedEscapeByKind!.Select(k => $"{k.Key} {k.Value:P0}")));
        }
        if (rep.LegacyRule is { } l)
            Row(t, "legacy rule (Q0.99 + 10 %)", $"{l.Threshold:0.####}: false rejects {l.FalseRejectRate:P1}, escapes {l.EscapeRate:P1}");
        if (rep.ReviewFalseRejectRate is { } rv)
            Row(t, "review half (B's false rejects)", $"before {rv.Before:P1}, after {rv.After:P1} ({rv.Overturned} overturned of {rv.HalfA}; threshold {rv.ThresholdBefore:0.##} -> {rv.ThresholdAfter:0.##}; update {rv.UpdateSeconds:0.0} s)");
    }
}
