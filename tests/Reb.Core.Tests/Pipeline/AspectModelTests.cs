using Reb.Core.Backbones;
using Reb.Core.Calibration;
using Reb.Core.Features;
using Reb.Core.Imaging;
using Reb.Core.Ldknn;
using Reb.Core.Models;
using Reb.Core.Tests.TestSupport;
using static TorchSharp.torch;

namespace Reb.Core.Tests.Pipeline;

/// <summary>
/// A native-aspect line end to end on real images (strips of DeepPCB boards of three heights): the bank follows each
/// image's grid, the model stores its mode and a loaded model scores alike; a square model's manifest is unchanged.
/// </summary>
public class AspectModelTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("reb-aspect-model-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private static InspectionOptions Options => new()
    {
        ImageSize = 64, BatchSize = 4, CalibrationImages = 6, Ldknn = new LdknnOptions { K = 3 },
        Calibration = new CalibrationOptions { Folds = 3, SyntheticImages = 4 },
    };

    [Fact]
    public void AspectModel_StoresItsMode_AndTheLoadedModelScoresAlike()
    {
        // Heights 250, 320, 200 -> 160 x 64, 128 x 64, 192 x 64 inputs: grids 8 x 20, 8 x 16, 8 x 24.
        var train = AspectSamples.Write(Path.Combine(_dir, "train"), "t", 6, [250, 320, 200]);
        var test = AspectSamples.Write(Path.Combine(_dir, "test"), "q", 3, [320, 200, 250], split: "test/defect");
        var (model, fit) = ModelFitter.Fit(train,
            new FeatureExtractor(Backbone.LoadDefault(), 64) { Resize = ResizeMode.Aspect }, Options);
        using (model)
        {
            Assert.Equal(2 * (160 + 128 + 192), fit.BankSize);
            Assert.Equal(fit.BankSize, model.Layout!.Rows);
            // Every training image scored out of fold with its own grid, and DefectMaker's escape estimate made on the
            // strips themselves: 4 sources (of three shapes), one defect of each kind on each, scored over its own
            // grid.
            Assert.Equal(6, model.Threshold.Calibration!.OutOfFoldScores.Length);
            var synthetic = model.Threshold.Calibration.Synthetic;
            Assert.NotNull(synthetic);
            Assert.Equal(4, synthetic.SourceImages);
            Assert.Equal(6, synthetic.PerKind.Count);
            Assert.All(synthetic.PerKind.Values, k => Assert.Equal(4, k.Scores.Length));
            Assert.All(synthetic.PerKind.Values.SelectMany(k => k.Scores),
                v => Assert.True(float.IsFinite(v) && v > 0, $"score {v}"));
            Assert.InRange(synthetic.PredictedEscapeRate, 0, 1);
            // Painted strips score above their clean selves out of fold on average (the defects are found, if not all).
            double meanClean = model.Threshold.Calibration.OutOfFoldScores.Average();
            double meanPainted = synthetic.PerKind.Values.SelectMany(k => k.Scores).Average();
            Assert.True(meanPainted > meanClean, $"painted mean {meanPainted} <= clean out-of-fold mean {meanClean}");

            var before = Score(model, test);
            Assert.Equal(new[] { (64, 128), (64, 192), (64, 160) },
                before.Select(s => (s.MapHeight, s.MapWidth)).ToList());
            Assert.All(before, s => Assert.Equal(s.MapHeight * s.MapWidth, s.Map.Length));

            var manifest = ModelStore.Save(model, fit, "strips", Path.Combine(_dir, "model"));
            Assert.Equal("aspect", manifest.Features.Resize);
            Assert.Contains("\"resize\": \"aspect\"",
                File.ReadAllText(Path.Combine(_dir, "model", ModelDirectory.ManifestFile)));
            using var loaded = ModelStore.Load(Path.Combine(_dir, "model"));
            Assert.Equal(manifest.Version, loaded.Manifest!.Version);
            Assert.Equal(ResizeMode.Aspect, loaded.Embedder.Resize);
            var after = Score(loaded, test);
            for (int i = 0; i < before.Count; i++)
            {
                Assert.Equal(before[i].Score, after[i].Score, 4);
                Assert.Equal((before[i].MapHeight, before[i].MapWidth), (after[i].MapHeight, after[i].MapWidth));
            }
        }
    }

    [Fact]
    public void SquareModel_HasNoResizeField_AndItsBankIsTheOldSquashBitForBit()
    {
        var train = AspectSamples.Write(Path.Combine(_dir, "train"), "s", 5, [250, 320]);
        var options = Options with { Calibration = null };
        var fx = new FeatureExtractor(Backbone.LoadDefault(), 64);
        var (bank, used, layout) = ModelFitter.EmbedImages(train, fx, options, []);
        using (bank)
        {
            Assert.All(layout.Grids, g => Assert.Equal(PatchGrid.Square(8), g));
            // The pre-aspect embed stage, literally: squash each image to 64 x 64, batches of BatchSize, rows in order.
            using var scope = NewDisposeScope();
            var parts = new List<Tensor>();
            foreach (var chunk in train.Chunk(options.BatchSize))
                parts.Add(
                    fx.Embed(stack(chunk.Select(p => ImageResizer.ResizeRgb(ImageLoader.Load(p), 64)).ToArray())));
            Assert.True(Bitwise.Same(bank, cat(parts.ToArray(), 0)));
        }

        var (model, fit) = ModelFitter.Fit(train, fx, options);
        using (model)
        {
            var manifest = ModelStore.Save(model, fit, "squares", Path.Combine(_dir, "square-model"));
            Assert.Null(manifest.Features.Resize);
            var json = File.ReadAllText(Path.Combine(_dir, "square-model", ModelDirectory.ManifestFile));
            // Exactly the pre-aspect text of the feature settings, so square content addresses do not move.
            Assert.Contains("\"features\": {\n    \"imageSize\": 64,\n    \"dim\": 512,\n    \"gridSize\": 8\n  }",
                json.ReplaceLineEndings("\n"));
            Assert.DoesNotContain("resize", json, StringComparison.OrdinalIgnoreCase);
            using var loaded = ModelStore.Load(Path.Combine(_dir, "square-model"));
            Assert.Equal(ResizeMode.Square, loaded.Embedder.Resize);
            Assert.Equal(manifest.Version, ModelDirectory.ComputeVersion(loaded.Manifest!));
        }
    }

    [Fact]
    public void UnknownResizeModeInAManifest_IsRefusedByName()
    {
        var m = new ModelManifest
        {
            Backbone = new BackboneRef("resnet18-imagenet", BackboneSpec.ResNet18.ToJson(), null, null),
            Features = new FeatureSettings(64, 512, 8) { Resize = "tile" },
            Ldknn = new LdknnSettings(3, 1, 1, 0),
            Bank = new BankInfo(0, 0, 512, "c", "d", "i"),
            Threshold = new ThresholdInfo(1, "x", 0.99, 0.1, 0, []),
            Training = new TrainingInfo(0, [], 0, 0, 0),
            Files = new Dictionary<string, FileEntry>(),
        };
        var e = Assert.Throws<ModelFormatException>(() => ModelStore.ResizeModeOf(m, "line-x"));
        Assert.Contains("tile", e.Message);
    }

    private static List<ScoredImage> Score(InspectionModel model, List<string> paths)
    {
        var results = new List<ScoredImage>();
        foreach (var batch in ImageBatches.Read(paths, model.Options.ImageSize, 1, s => throw new Exception(s.Reason),
            mode: model.Embedder.Resize))
            using (batch) results.AddRange(model.Score(batch));
        return results;
    }
}
