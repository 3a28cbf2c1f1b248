using System.Globalization;
using System.Text.Json.Serialization;

namespace Reb.Core.Calibration;

/// <summary>How a predicted rate compares with the rate measured once labelled parts exist.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PredictionAgreement>))]
public enum PredictionAgreement
{
    Agrees,
    /// <summary>Measured worse than predicted: the line makes more errors than its calibration said.</summary>
    Optimistic,
    /// <summary>Measured better than predicted by more than the tolerance.</summary>
    Pessimistic,
}

/// <summary>
/// A predicted rate (false rejects from out-of-fold good scores, escapes from synthetic defects) held against the rate
/// measured on labelled parts. Young lines predict from few images and from synthetic defects that can be easier than
/// real ones, so a prediction is only trusted as far as measurement confirms it: one that is off by more than
/// <see cref="TolerancePoints"/>, or whose measured rate is significantly above its predicted interval, is flagged.
/// </summary>
public sealed record PredictionCheck(
    string Rate, double Predicted, double? PredictedUpper, int Errors, int Parts, double Measured,
    double MeasuredLower, double MeasuredUpper, PredictionAgreement Agreement)
{
    /// <summary>Largest gap (absolute, in rate units) between predicted and measured that still counts as
    /// agreement.</summary>
    public const double TolerancePoints = 0.15;
    /// <summary>Coverage of the measured rate's Clopper-Pearson interval.</summary>
    public const double Coverage = 0.9;

    public double DifferencePoints => Measured - Predicted;

    public bool Flagged => Agreement != PredictionAgreement.Agrees;

    /// <summary>Checks <paramref name="predicted"/> (with its interval's upper bound, if known) against
    /// <paramref name="errors"/> of <paramref name="parts"/> labelled parts; null when no part was measured.</summary>
    public static PredictionCheck? Of(string rate, double? predicted, double? predictedUpper, int errors, int parts)
    {
        if (predicted is not { } p || parts < 1) return null;
        if (errors < 0 || errors > parts)
            throw new ArgumentOutOfRangeException(nameof(errors), $"{errors} of {parts} is not a proportion");
        double measured = errors / (double)parts;
        var (lo, hi) = BinomialBounds.ClopperPearson(errors, parts, Coverage);
        // Significant: even the measured rate's lower bound lies above everything the prediction allowed.
        bool significantlyWorse = lo > (predictedUpper ?? p);
        var agreement = measured - p > TolerancePoints || significantlyWorse ? PredictionAgreement.Optimistic
            : p - measured > TolerancePoints ? PredictionAgreement.Pessimistic
            : PredictionAgreement.Agrees;
        return new PredictionCheck(rate, p, predictedUpper, errors, parts, measured, lo, hi, agreement);
    }

    /// <summary>Both checks of a line, false rejects on its good parts and escapes on its defective ones; a rate with
    /// no prediction or no measured part is left out.</summary>
    public static IReadOnlyList<PredictionCheck> Both(double? predictedFalseRejects, double? falseRejectUpper,
        int falseRejects,
        int goodParts, double? predictedEscapes, double? escapeUpper, int escapes, int defectiveParts) =>
        new[]
        {
            Of("false rejects", predictedFalseRejects, falseRejectUpper, falseRejects, goodParts),
            Of("escapes", predictedEscapes, escapeUpper, escapes, defectiveParts),
        }.OfType<PredictionCheck>().ToList();

    /// <summary>One line for tables, logs and warnings.</summary>
    public string Text
    {
        get
        {
            var inv = CultureInfo.InvariantCulture;
            string figures =
                string.Format(inv, "predicted {0} {1:0.0} %, measured {2:0.0} % ({3} of {4}, 90 % interval " +
                "[{5:0.0}, {6:0.0}])", Rate, 100 * Predicted, 100 * Measured, Errors, Parts, 100 * MeasuredLower,
                100 * MeasuredUpper);
            return Agreement switch
            {
                PredictionAgreement.Optimistic => string.Format(inv,
                    "OPTIMISTIC prediction: {0}, {1:0.0} points more; trust the measured rate and review more parts",
                    figures, 100 * DifferencePoints),
                PredictionAgreement.Pessimistic
                => string.Format(inv, "pessimistic prediction: {0}, {1:0.0} points less",
                    figures, -100 * DifferencePoints),
                _ => figures + ": agrees",
            };
        }
    }
}
