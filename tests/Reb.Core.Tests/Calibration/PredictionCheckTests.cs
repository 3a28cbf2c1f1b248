using System.Text.Json;
using Reb.Core.Calibration;

namespace Reb.Core.Tests.Calibration;

/// <summary>Predicted rates held against measured ones, on the cases the project has met: the README main job's
/// false rejects (2.5 % predicted, 4 of 16 measured) and magnetic_tile's escapes (44.4 % predicted, 59.5 %
/// measured).</summary>
public sealed class PredictionCheckTests
{
    [Fact]
    public void A_prediction_off_by_more_than_15_points_is_flagged_optimistic()
    {
        var c = PredictionCheck.Of("escapes", 0.444, 0.50, 25, 42)!; // 59.5 % measured
        Assert.Equal(PredictionAgreement.Optimistic, c.Agreement);
        Assert.True(c.Flagged);
        Assert.Equal(0.151, c.DifferencePoints, 3);
        Assert.StartsWith("OPTIMISTIC", c.Text);
        Assert.Contains("25 of 42", c.Text);
    }

    [Fact]
    public void A_measured_rate_significantly_above_the_predicted_interval_is_flagged_even_within_15_points()
    {
        // 12 of 100 measured (90 % interval about [7.1, 18.6]) against 1 % predicted with upper bound 3 %:
        // only 11 points apart, but the measurement rules the prediction out.
        var c = PredictionCheck.Of("false rejects", 0.01, 0.03, 12, 100)!;
        Assert.True(c.DifferencePoints < PredictionCheck.TolerancePoints);
        Assert.True(c.MeasuredLower > 0.03);
        Assert.Equal(PredictionAgreement.Optimistic, c.Agreement);
    }

    [Fact]
    public void The_main_jobs_false_rejects_are_flagged_and_its_escapes_agree()
    {
        Assert.Equal(PredictionAgreement.Optimistic,
            PredictionCheck.Of("false rejects", 0.025, 0.06, 4, 16)!.Agreement);
        var escapes = PredictionCheck.Of("escapes", 0.272, 0.332, 5, 16)!; // 31.3 % measured
        Assert.Equal(PredictionAgreement.Agrees, escapes.Agreement);
        Assert.False(escapes.Flagged);
        Assert.EndsWith(": agrees", escapes.Text);
    }

    [Fact]
    public void Measured_far_below_the_prediction_is_pessimistic_and_nothing_measured_is_no_check()
    {
        Assert.Equal(PredictionAgreement.Pessimistic, PredictionCheck.Of("escapes", 0.40, 0.5, 2, 20)!.Agreement);
        Assert.Null(PredictionCheck.Of("escapes", 0.40, 0.5, 0, 0));
        Assert.Null(PredictionCheck.Of("escapes", null, null, 1, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => PredictionCheck.Of("escapes", 0.4, 0.5, 11, 10));
    }

    [Fact]
    public void The_agreement_is_written_as_a_word_in_json()
    {
        var json = JsonSerializer.Serialize(PredictionCheck.Of("escapes", 0.444, 0.5, 25, 42));
        Assert.Contains("\"Agreement\":\"Optimistic\"", json);
        Assert.Contains("\"Flagged\":true", json);
    }

    [Fact]
    public void Both_checks_leave_out_a_rate_without_prediction_or_parts()
    {
        var both = PredictionCheck.Both(0.025, 0.06, 4, 16, 0.272, 0.332, 5, 16);
        Assert.Equal(["false rejects", "escapes"], both.Select(c => c.Rate));
        Assert.Equal(PredictionAgreement.Optimistic, both[0].Agreement);
        Assert.Single(PredictionCheck.Both(0.025, 0.06, 4, 16, null, null, 5, 16));
        Assert.Empty(PredictionCheck.Both(0.025, 0.06, 0, 0, 0.3, 0.4, 0, 0));
    }
}
