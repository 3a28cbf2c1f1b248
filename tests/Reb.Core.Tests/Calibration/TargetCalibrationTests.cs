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

/// <summary>The fit's target calibration on real PNGs (the repository's DeepPCB sample at 64 px) and the real
/// backbone.</summary>
public class TargetCalibrationTests
{
    private static List<string> SampleImages(int count)
    {
        var root = SharedData.RepositoryRoot()!;
        return Directory.GetFiles(Path.Combine(root, "samples", "deeppcb", "train", "good"), "*.png").Order()
            .Take(count).ToList();
    }

    [Fact]
    public void LeaveOneOut_KeepsANearDuplicateInTheBank_AWholeBlockDoesNot()
    {
        // Image 3 appears twice in a row, like two frames of one part. Left out alone, it finds its twin and scores
        // low; left out with its block, it scores like an unseen part.
        var files = SampleImages(8);
        files.Insert(4, files[3]);
        using var fx = new FeatureExtractor(Backbone.LoadDefault(), 64);
        var options = new InspectionOptions { ImageSize = 64, BatchSize = 4, Ldknn = new LdknnOptions { K = 3 } };
        var (bank, used, layout) = ModelFitter.EmbedImages(files, fx, options, []);
        using var _b = bank;
        var (index, table) = BankNeighbours.Fit(bank, options.Ldknn);
        using var _i = index;
        using var _t = table;
        var loo = OutOfFoldScores.Compute(bank, index, layout, ContiguousFolds.Blocks(used.Count, 1));
        var blocks = OutOfFoldScores.Compute(bank, index, layout, ContiguousFolds.Blocks(used.Count, 3)); // {3, 4, 5}
        Assert.True(loo[3] < blocks[3], $"leave-one-out {loo[3]} vs block {blocks[3]}");
        Assert.True(loo[3] < loo.Where((_, i) => i != 3 && i != 4).Min(),
            "the duplicated image should look like the most normal one when left out alone");
    }

    [Fact]
    public void Fit_WithATarget_RecordsTheRuleScoresPredictionsAndSyntheticDefects()
    {
        var files = SampleImages(12);
        var calibration = new CalibrationOptions { Folds = 4, SyntheticImages = 4, TargetFalseRejectRate = 0.05 };
        var options = new InspectionOptions
        {
            ImageSize = 64,
            BatchSize = 4,
            Ldknn = new LdknnOptions { K = 3 },
            Calibration = calibration
        };
        var (model, fit) = ModelFitter.Fit(files, new FeatureExtractor(Backbone.LoadDefault(), 64), options);
        using (model)
        {
            var rec = model.Threshold.Calibration;
            Assert.NotNull(rec);
            Assert.Equal(12, rec.OutOfFoldScores.Length);
            Assert.False(rec.Certified);                     // 12 scores cannot certify 5 % at 0.9 (needs 45)
            Assert.Equal(rec.Threshold, model.Threshold.Value);
            // Uncertified with synthetic defects: the cost rule over both predictions, and the line says it is young.
            Assert.Equal(ThresholdRule.Cost, rec.RuleKind);
            var defects = rec.Synthetic!.PerKind.Values.SelectMany(k => k.Scores).ToArray();
            Assert.Equal(CostThreshold.Choose(rec.OutOfFoldScores, defects, 10, rec.MaxFalseRejectRate!.Value)
                .Threshold,
                rec.Threshold);
            Assert.True(rec.PredictedFalseRejectRate <= rec.MaxFalseRejectRate);
            Assert.StartsWith("this line needs more good images or reviewed parts", rec.Warning);
            // Twelve distinct boards: twelve single-image folds, recorded.
            Assert.Equal(12, rec.Folds);
            Assert.Equal(Enumerable.Range(0, 12), rec.Grouping!.FoldOfImage);
            Assert.NotNull(model.Neighbours);
            Assert.Equal(fit.BankSize, model.Neighbours!.Rows);

            var syn = rec.Synthetic!;
            Assert.Equal(6, syn.PerKind.Count);
            Assert.All(syn.PerKind.Values, k => Assert.Equal(4, k.Count));
            Assert.All(syn.PerKind.Values, k => Assert.Equal(k.Scores.Count(s => s >= rec.Threshold), k.Detected));
            Assert.InRange(syn.PredictedEscapeRate, 0, 1);
            Assert.Equal(0, SyntheticEscape.AtThreshold(syn, double.NegativeInfinity).PredictedEscapeRate);
            Assert.Equal(1, SyntheticEscape.AtThreshold(syn, double.PositiveInfinity).PredictedEscapeRate);
            // Painted defects on average score above the good out-of-fold images.
            Assert.True(syn.PerKind.Values.SelectMany(k => k.Scores).Average() > rec.OutOfFoldScores.Average());
        }
    }
}
