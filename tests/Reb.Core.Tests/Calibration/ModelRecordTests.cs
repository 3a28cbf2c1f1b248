using Reb.Core.Models;
using Reb.Core.Backbones;
using Reb.Core.Calibration;
using Reb.Core.Features;
using Reb.Core.Ldknn;
using Reb.Core.Pipeline;
using Reb.Core.Tests.TestSupport;

namespace Reb.Core.Tests.Calibration;

/// <summary>The calibration record and the neighbour distances survive a model directory round trip.</summary>
public class ModelRecordTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("reb-calib-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void SaveLoad_KeepsTheCalibrationRecordAndNeighbours()
    {
        var root = SharedData.RepositoryRoot()!;
        var files = Directory.GetFiles(Path.Combine(root, "samples", "deeppcb", "train", "good"), "*.png").Order()
            .Take(8).ToList();
        var options = new InspectionOptions
        {
            ImageSize = 64, BatchSize = 4, Ldknn = new LdknnOptions { K = 3 },
            Calibration = new CalibrationOptions { Folds = 4, SyntheticImages = 2 },
        };
        var (model, fit) = ModelFitter.Fit(files, new FeatureExtractor(Backbone.LoadDefault(), 64), options);
        using (model)
        {
            ModelStore.Save(model, fit, "pcb", _dir);
            using var loaded = ModelStore.Load(_dir);
            var a = model.Threshold.Calibration!;
            var b = loaded.Threshold.Calibration!;
            Assert.Equal(a.Threshold, b.Threshold);
            Assert.Equal(a.Rule, b.Rule);
            Assert.Equal(a.OutOfFoldScores, b.OutOfFoldScores);
            Assert.Equal(a.PredictedFalseRejectRate, b.PredictedFalseRejectRate);
            Assert.Equal(a.Synthetic!.PerKind.Keys, b.Synthetic!.PerKind.Keys);
            Assert.Equal(a.Synthetic.PerKind["ScarNoise"].Scores, b.Synthetic.PerKind["ScarNoise"].Scores);
            Assert.NotNull(loaded.Neighbours);
            Assert.Equal(model.Neighbours!.Distances.data<float>().ToArray(),
                loaded.Neighbours!.Distances.data<float>().ToArray());
            Assert.Equal(3, loaded.Neighbours.K);
        }
    }
}
