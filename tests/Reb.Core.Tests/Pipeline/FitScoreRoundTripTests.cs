using Reb.Core.Models;
using Reb.Core.Backbones;
using Reb.Core.Features;
using Reb.Core.Ldknn;
using Reb.Core.Imaging;

namespace Reb.Core.Tests.Pipeline;

/// <summary>
/// The single-process product path on real tensors and real PNG files: fit on good parts, score good and scratched
/// parts, save the model directory, load it back without the training images, and get the same scores.
/// </summary>
public class FitScoreRoundTripTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("reb-fit-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private static InspectionOptions Options => new()
    {
        ImageSize = 64, BatchSize = 4, CalibrationImages = 6, Ldknn = new LdknnOptions { K = 3 },
    };

    [Fact]
    public void FitScoreSaveLoad_GivesTheSameScores_AndSeparatesScratches()
    {
        var train = SyntheticParts.Write(Path.Combine(_dir, "train"), "g", 6, 100);
        var good = SyntheticParts.Write(Path.Combine(_dir, "test"), "good", 3, 500);
        var bad = SyntheticParts.Write(Path.Combine(_dir, "test"), "bad", 3, 700, scratch: true);
        // A corrupt file among the training images is reported and skipped, not fatal.
        File.WriteAllBytes(Path.Combine(_dir, "train", "zz-corrupt.png"), [0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
        train.Add(Path.Combine(_dir, "train", "zz-corrupt.png"));

        var (model, fit) = ModelFitter.Fit(train, new FeatureExtractor(Backbone.LoadDefault(), 64), Options);
        using (model)
        {
            Assert.Equal(6, fit.TrainImages);
            var skipped = Assert.Single(fit.Skipped);
            Assert.EndsWith("zz-corrupt.png", skipped.Path);
            Assert.Equal(6L * 8 * 8, fit.BankSize);               // 64 px -> 8x8 grid
            Assert.True(double.IsFinite(model.Threshold.Value));
            Assert.Equal(6, model.Threshold.GoodScores.Length);

            var before = Score(model, good.Concat(bad).ToList());
            // Scratched parts score above every good part.
            Assert.True(before.Skip(3).Min() > before.Take(3).Max(), string.Join(", ", before));

            var manifest = ModelStore.Save(model, fit, "plates", Path.Combine(_dir, "model"));
            Assert.StartsWith("sha256-", manifest.Version);
            using var loaded = ModelStore.Load(Path.Combine(_dir, "model"));
            Assert.Equal(manifest.Version, loaded.Manifest!.Version);
            Assert.Equal(model.Threshold.Value, loaded.Threshold.Value);
            var after = Score(loaded, good.Concat(bad).ToList());
            for (int i = 0; i < before.Length; i++) Assert.Equal(before[i], after[i], 4);
        }
    }

    /// <summary>
    /// ScoreAll: the backbone on each read batch, one search over the patches of several: the same scores and maps, bit
    /// for bit, as scoring each batch alone, in order, with every batch handed back once.
    /// </summary>
    [Fact]
    public void ScoreAll_searches_several_batches_at_once_and_scores_exactly_as_each_alone()
    {
        var train = SyntheticParts.Write(Path.Combine(_dir, "train"), "g", 5, 100);
        var test = SyntheticParts.Write(Path.Combine(_dir, "test"), "good", 3, 500)
            .Concat(SyntheticParts.Write(Path.Combine(_dir, "test"), "bad", 3, 700, scratch: true)).ToList();
        var (model, _) = ModelFitter.Fit(train, new FeatureExtractor(Backbone.LoadDefault(), 64), Options);
        using (model)
        {
            var alone = new List<ScoredImage>();
            foreach (var b in ImageBatches.Read(test, 64, model.Options.BatchSize, s => throw new Exception(s.Reason)))
                using (b) alone.AddRange(model.Score(b));
            var together = new List<ScoredImage>();
            var batches = new List<int>();
            foreach (var (batch, results) in model.ScoreAll(ImageBatches.Read(test, 64, model.Options.BatchSize,
                s => throw new Exception(s.Reason))))
            {
                Assert.Equal(batch.Paths, results.Select(r => r.Path));
                batches.Add(batch.Paths.Count);
                together.AddRange(results);
            }
            Assert.Equal([4, 2], batches); // BatchSize 4: two batches, one search (6 x 64 patches)
            for (int i = 0; i < test.Count; i++)
            {
                Assert.Equal(alone[i].Path, together[i].Path);
                Assert.Equal(BitConverter.SingleToInt32Bits(alone[i].Score),
                    BitConverter.SingleToInt32Bits(together[i].Score));
                Assert.Equal(alone[i].Map, together[i].Map);
            }
        }
    }

    [Fact]
    public void CorruptOrMissingModelFilesAreRefusedByName()
    {
        var train = SyntheticParts.Write(Path.Combine(_dir, "train"), "g", 3, 1);
        var (model, fit) = ModelFitter.Fit(train, new FeatureExtractor(Backbone.LoadDefault(), 64), Options);
        var dir = Path.Combine(_dir, "model");
        using (model) ModelStore.Save(model, fit, "plates", dir);

        var core = Path.Combine(dir, ModelDirectory.CoreFile);
        var bytes = File.ReadAllBytes(core);
        bytes[100] ^= 0x40;
        File.WriteAllBytes(core, bytes);
        var e = Assert.Throws<ModelFormatException>(() => ModelStore.Load(dir));
        Assert.Contains("core.f32", e.Message);
        Assert.Contains("checksum", e.Message);

        File.Delete(core);
        Assert.Contains("missing", Assert.Throws<ModelFormatException>(() => ModelStore.Load(dir)).Message);
        Assert.Contains("does not exist",
            Assert.Throws<ModelFormatException>(() => ModelStore.Load(Path.Combine(_dir, "nope"))).Message);

        // Editing the manifest by hand changes its content address: refused.
        var manifest = Path.Combine(dir, ModelDirectory.ManifestFile);
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("\"plates\"", "\"other\""));
        Assert.Contains("modified", Assert.Throws<ModelFormatException>(() => ModelStore.Load(dir)).Message);
    }

    [Fact]
    public void NoReadableTrainingImageIsAClearError()
    {
        var path = Path.Combine(_dir, "bad.png");
        File.WriteAllBytes(path, [1, 2, 3]);
        var e = Assert.Throws<InvalidDataException>(() => ModelFitter.Fit([path],
            new FeatureExtractor(Backbone.LoadDefault(), 64), Options));
        Assert.Contains("bad.png", e.Message);
        Assert.Throws<ArgumentException>(() => ModelFitter.Fit(Array.Empty<string>(),
            new FeatureExtractor(Backbone.LoadDefault(), 64), Options));
    }

    private static float[] Score(InspectionModel model, IReadOnlyList<string> paths)
    {
        var scores = new List<float>();
        foreach (var batch in ImageBatches.Read(paths, model.Options.ImageSize, model.Options.BatchSize,
            s => throw new Exception(s.Reason)))
            using (batch)
                scores.AddRange(model.Score(batch).Select(r => r.Score));
        return scores.ToArray();
    }
}
