using Reb.Core.Review;
using Reb.Core.Backbones;
using Reb.Core.Calibration;
using Reb.Core.Features;
using Reb.Core.Ldknn;
using Reb.Core;
using Reb.Core.Imaging;
using Reb.Core.Models;
using Reb.Core.Pipeline;
using Reb.Core.Tests.TestSupport;

namespace Reb.Core.Tests.Review;

/// <summary>The review loop on real PNGs: overturned rejects go into the bank, the threshold is recalibrated, half B is
/// rescored.</summary>
public class ReviewHalfTests
{
    [Fact]
    public void OverturnedRejects_AreAppended_AndTheOtherHalfIsRescored()
    {
        var root = SharedData.RepositoryRoot()!;
        var train = Directory.GetFiles(Path.Combine(root, "samples", "deeppcb", "train", "good"), "*.png").Order()
            .Take(8).ToList();
        var good = Directory.GetFiles(Path.Combine(root, "samples", "deeppcb", "test", "good"), "*.png").Order().Take(6)
            .ToList();
        var options = new InspectionOptions
        {
            ImageSize = 64, BatchSize = 4, Ldknn = new LdknnOptions { K = 3 },
            Calibration = new CalibrationOptions { Folds = 4, SyntheticImages = 0 },
        };
        var (model, fit) = ModelFitter.Fit(train, new FeatureExtractor(Backbone.LoadDefault(), 64), options);
        using (model)
        {
            // Every given score is a reject, so every image of half A is overturned and half B starts at 100 %; half
            // B's "after" comes from really rescoring its images with the updated bank and threshold.
            var scored = good.Select(p => (p, float.MaxValue)).ToList();
            var r = ReviewHalf.Run(model, scored, fit.TrainImages, seed: 3);
            Assert.Equal(3, r.HalfA);
            Assert.Equal(3, r.HalfB);
            Assert.Equal(3, r.Overturned);
            Assert.Equal(1.0, r.Before);
            Assert.Equal(fit.BankSize, r.BankRowsBefore);
            Assert.Equal(fit.BankSize + 3 * 64, r.BankRowsAfter);
            Assert.True(r.After < 1.0, $"after {r.After}");

            // The same seed gives the same halves: the figures repeat.
            var again = ReviewHalf.Run(model, scored, fit.TrainImages, seed: 3);
            Assert.Equal(r.After, again.After);
            Assert.Equal(r.ThresholdAfter, again.ThresholdAfter);
        }
    }

    [Fact]
    public void Escapes_are_reported_before_and_after_the_review_with_the_regrouped_rule()
    {
        var root = SharedData.RepositoryRoot()!;
        var train = Directory.GetFiles(Path.Combine(root, "samples", "deeppcb", "train", "good"), "*.png").Order()
            .Take(8).ToList();
        var good = Directory.GetFiles(Path.Combine(root, "samples", "deeppcb", "test", "good"), "*.png").Order().Take(4)
            .ToList();
        var defects = Directory.GetFiles(Path.Combine(root, "samples", "deeppcb", "test", "defect"), "*.png").Order()
            .Take(3).ToList();
        var options = new InspectionOptions
        {
            ImageSize = 64, BatchSize = 4, Ldknn = new LdknnOptions { K = 3 },
            Calibration = new CalibrationOptions { SyntheticImages = 2 },
        };
        var (model, fit) = ModelFitter.Fit(train, new FeatureExtractor(Backbone.LoadDefault(), 64), options);
        using (model)
        {
            Assert.Equal(ThresholdRule.Cost, model.Threshold.Calibration!.RuleKind);
            // Good scores at the maximum (all overturned), defect scores at 0 (all escaped before the review).
            var scoredGood = good.Select(p => (p, float.MaxValue)).ToList();
            var scoredDefects = defects.Select(p => (p, 0f)).ToList();
            var r = ReviewHalf.Run(model, scoredGood, fit.TrainImages, seed: 1, defectTest: scoredDefects);
            Assert.Equal(3, r.Defects);
            Assert.Equal(1.0, r.EscapesBefore);
            // After: the defects really rescored against the grown bank at the recalibrated threshold.
            Assert.InRange(r.EscapesAfter!.Value, 0, 1);
            Assert.Equal(ThresholdRule.Cost, r.RuleAfter);
            Assert.StartsWith("this line needs more good images or reviewed parts", r.WarningAfter);
            var again = ReviewHalf.Run(model, scoredGood, fit.TrainImages, seed: 1, defectTest: scoredDefects);
            Assert.Equal(r.EscapesAfter, again.EscapesAfter);
        }
    }
}
