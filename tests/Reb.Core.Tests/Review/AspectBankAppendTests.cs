using Reb.Core.Review;
using Reb.Core.Backbones;
using Reb.Core.Calibration;
using Reb.Core.Features;
using Reb.Core.Imaging;
using Reb.Core.Ldknn;
using Reb.Core.Models;
using Reb.Core.Tests.TestSupport;

namespace Reb.Core.Tests.Review;

/// <summary>
/// The review loop on a native-aspect line: a saved and loaded model knows each training image's grid (grids.i64), so
/// overturned good parts can be appended to it and the threshold recalibrated per image, as for a square line.
/// Before the model recorded its grids, a loaded aspect model cut its bank into square-grid images and failed.
/// </summary>
public class AspectBankAppendTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("reb-aspect-append-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void A_loaded_aspect_model_takes_reviewed_strips_and_recalibrates_over_each_images_own_grid()
    {
        var options = new InspectionOptions
        {
            ImageSize = 64, BatchSize = 4, Ldknn = new LdknnOptions { K = 3 },
            Calibration = new CalibrationOptions { Folds = 3, SyntheticImages = 0 },
        };
        var train = AspectSamples.Write(Path.Combine(_dir, "train"), "t", 6, [250, 320, 200]);
        // 2 more strips, new shapes too
        var more = AspectSamples.Write(Path.Combine(_dir, "more"), "m", 2, [410, 200], skip: 6);
        var (model, fit) = ModelFitter.Fit(train,
            new FeatureExtractor(Backbone.LoadDefault(), 64) { Resize = ResizeMode.Aspect }, options);
        var modelDir = Path.Combine(_dir, "model");
        using (model)
        {
            var manifest = ModelStore.Save(model, fit, "strips", modelDir);
            Assert.Equal(ModelStore.GridsFile, manifest.Bank.GridsFile);
        }

        using var loaded = ModelStore.Load(modelDir);
        Assert.NotNull(loaded.Layout);
        Assert.Equal(new[] { "8x20", "8x16", "8x24", "8x20", "8x16", "8x24" },
            loaded.Layout!.Grids.Select(g => g.ToString()));

        var result =
            BankAppend.AppendAndSave(loaded, more.Select(ImageSource.FromFile).ToList(), Path.Combine(_dir, "updated"));
        Assert.Equal(2, result.Added);
        using var updated = ModelStore.Load(Path.Combine(_dir, "updated"));
        var layout = updated.Layout!;
        Assert.Equal(8, layout.Images);
        Assert.Equal(updated.Index.CoreCount, layout.Rows);
        Assert.Equal(loaded.Layout.Grids, layout.Grids.Take(6));
        // The appended strips keep their own grids (not 8 x 8 squares).
        Assert.All(layout.Grids.Skip(6), g => Assert.True(g.Width > g.Height, $"grid {g}"));

        // Recalibrated per image over the grown bank's regrouped folds: the recorded out-of-fold scores are what a
        // fresh computation over the layout with the recorded grouping gives.
        var cal = updated.Threshold.Calibration!;
        Assert.Equal(8, cal.OutOfFoldScores.Length);
        Assert.Equal(8, cal.Grouping!.FoldOfImage.Length);
        var folds = new FoldGroups(cal.Grouping.FoldOfImage);
        var again = OutOfFoldScores.Compute(updated.Index.CoreFeatures, updated.Index, layout, folds);
        Assert.Equal(again, cal.OutOfFoldScores);
        // ...and the densities are a full density fit's of the union, bit for bit.
        var (refit, _) = BankNeighbours.Fit(updated.Index.CoreFeatures, updated.Options.Ldknn);
        using (refit) Assert.True(Bitwise.Same(refit.Density, updated.Index.Density));
    }

    [Fact]
    public void A_grids_file_that_does_not_describe_the_bank_is_refused_by_name()
    {
        var options = new InspectionOptions
        {
            ImageSize = 64,
            BatchSize = 4,
            Ldknn = new LdknnOptions { K = 3 },
            Calibration = new CalibrationOptions { Folds = 2, SyntheticImages = 0 }
        };
        var train = AspectSamples.Write(Path.Combine(_dir, "train"), "t", 3, [250, 320]);
        var (model, fit) = ModelFitter.Fit(train,
            new FeatureExtractor(Backbone.LoadDefault(), 64) { Resize = ResizeMode.Aspect }, options);
        var dir = Path.Combine(_dir, "model");
        using (model) ModelStore.Save(model, fit, "strips", dir);
        // Rewrite the manifest so that its grids file (with a correct checksum) describes one image too few.
        var manifest = ModelDirectory.ReadManifest(dir);
        var grids = TensorFiles.AsLongs(File.ReadAllBytes(Path.Combine(dir, ModelStore.GridsFile)));
        var entry = TensorFiles.WriteLongs(Path.Combine(dir, ModelStore.GridsFile), grids[..^2]);
        var files = new Dictionary<string, FileEntry>(manifest.Files) { [ModelStore.GridsFile] = entry };
        var changed = manifest with { Files = files };
        // a consistent manifest: only the grids are wrong
        changed = changed with { Version = ModelDirectory.ComputeVersion(changed) };
        File.WriteAllText(Path.Combine(dir, ModelDirectory.ManifestFile), ModelDirectory.Serialize(changed));
        var e = Assert.Throws<ModelFormatException>(() => ModelStore.Load(dir));
        Assert.Contains(ModelStore.GridsFile, e.Message);
    }
}
