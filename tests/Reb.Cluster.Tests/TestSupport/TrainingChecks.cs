using Reb.Core.Models;
using Reb.Storage;
using Reb.Core.Backbones;
using Reb.Core.Features;
using Reb.Core.Pipeline;

namespace Reb.Cluster.Tests.TestSupport;

/// <summary>What the training-job tests share: uploading images, and comparing a published model with a single-process
/// fit.</summary>
public static class TrainingChecks
{
    /// <summary>Puts the images into the store under datasets/<paramref name="folder"/>/ and returns their
    /// keys.</summary>
    public static async Task<List<string>> UploadAsync(IArtefactStore store, string folder, IEnumerable<string> paths)
    {
        var keys = new List<string>();
        foreach (var path in paths)
        {
            var key = $"datasets/{folder}/{Path.GetFileName(path)}";
            await store.PutBytesAsync(key, File.ReadAllBytes(path));
            keys.Add(key);
        }
        return keys;
    }

    /// <summary>
    /// Asserts that <paramref name="version"/> has the core set, densities (to 1e-4 relative) and threshold of a
    /// single-process fit on the same images with `reb fit`'s defaults (the training request's); returns the largest
    /// density difference.
    /// </summary>
    public static async Task<float> AssertMatchesSingleProcessFitAsync(IArtefactStore store, string version,
        IReadOnlyList<string> images,
        int size, string fetchRoot, Reb.Core.Imaging.ResizeMode resize = Reb.Core.Imaging.ResizeMode.Square)
    {
        var options = new InspectionOptions
        {
            ImageSize = size,
            Calibration = new Reb.Core.Calibration.CalibrationOptions()
        };
        var (reference, _) =
            ModelFitter.Fit(images, new FeatureExtractor(Backbone.LoadDefault(), size) { Resize = resize }, options);
        using (reference)
        {
            var dir = await store.FetchModelAsync(version, fetchRoot);
            ModelStore.ReadAndVerify(dir, out var arrays);
            Assert.Equal(reference.Index.CoreBankIndex, arrays.CoreIndex);
            Assert.Equal(reference.Index.Density.Length, arrays.Density.Length);
            float maxDiff = 0;
            for (int i = 0; i < arrays.Density.Length; i++)
                maxDiff = Math.Max(maxDiff, Math.Abs(arrays.Density[i] - reference.Index.Density[i]));
            Assert.True(maxDiff <= 1e-4f * reference.Index.Density.Max(), $"densities differ by {maxDiff}");
            Assert.Equal(reference.Threshold.Value, ModelDirectory.ReadManifest(dir).Threshold.Value, 3);
            return maxDiff;
        }
    }
}
