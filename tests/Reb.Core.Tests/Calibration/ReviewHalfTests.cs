using Reb.Core.Backbones;
using Reb.Core.Calibration;
using Reb.Core.Features;
using Reb.Core.Ldknn;
using Reb.Core;
using Reb.Core.Imaging;
using Reb.Core.Models;
using Reb.Core.Pipeline;
using Reb.Core.Tests.TestSupport;

namespace Reb.Core.Tests.Calibration;

/// <summary>The review loop on real PNGs: overturned rejects go into the bank, the threshold is recalibrated, half B is rescored.</summary>
public class ReviewHalfTests
{
    [Fact]
    public void OverturnedRejects_AreAppended_AndTheOtherHalfIsRescored()
    {
        var root = SharedData.RepositoryRoot()!;
        var train = Directory.GetFiles(Path.Combine(root, "samples", "deeppcb", "train", "good"), "*.png").Order().Take(8).ToList();
        var good = Directory.GetFiles(Path.Combine(root, "samples", "deeppcb", "test", "good"), "*.png").Order().Take(6).ToList();
        var options = new InspectionOptions
        {
            ImageSize = 64, BatchSize = 4, Ldknn = new LdknnOptions { K = 3 },
            Calibration = new CalibrationOptions { Folds = 4, SyntheticImages = 0 },
        };
        var (model, fit) = ModelFitter.Fit(train, new FeatureExtractor(Backbone.LoadDefault(), 64), options);
        using (model)
        {
            // Every given score is a reject, so every image of half A is overturned and half B starts at 100 %; half B's
            // "after" comes from really rescoring its images with the updated bank and threshold.
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
}
