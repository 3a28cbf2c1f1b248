using Reb.Core.Calibration;
using Reb.Core.Models;

namespace Reb.Cluster.Tests.TestSupport;

/// <summary>Small but real model directories (a few KB to a few hundred KB) built with the production
/// writers.</summary>
public static class TestModels
{
    /// <summary>Writes a model whose arrays come from <paramref name="seed"/>; different seeds give different
    /// versions.</summary>
    public static ModelManifest Write(string dir, int seed, int corePatches = 64, int dim = 16)
    {
        var rng = new Random(seed);
        var core = new float[corePatches * dim];
        for (var i = 0; i < core.Length; i++) core[i] = (float)(rng.NextDouble() * 2 - 1);
        var density = new float[corePatches];
        for (var i = 0; i < density.Length; i++) density[i] = (float)rng.NextDouble();
        var index = new long[corePatches];
        for (var i = 0; i < index.Length; i++) index[i] = rng.NextInt64(0, corePatches * 10L);

        return ModelDirectory.Write(dir, temp =>
        {
            var files = new Dictionary<string, FileEntry>
            {
                [ModelDirectory.CoreFile] = TensorFiles.WriteFloats(Path.Combine(temp, ModelDirectory.CoreFile), core),
                [ModelDirectory.DensityFile] =
                    TensorFiles.WriteFloats(Path.Combine(temp, ModelDirectory.DensityFile), density),
                [ModelDirectory.CoreIndexFile] =
                TensorFiles.WriteLongs(Path.Combine(temp, ModelDirectory.CoreIndexFile), index),
            };
            return new ModelManifest
            {
                Category = "bottle",
                CreatedUtc = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
                Backbone = new BackboneRef("resnet18-imagenet", "{}", null, null),
                Features = new FeatureSettings(256, dim, 32),
                Ldknn = new LdknnSettings(10, 1.0, 0.1, seed),
                Bank = new BankInfo(corePatches * 10L, corePatches, dim, ModelDirectory.CoreFile,
                    ModelDirectory.DensityFile, ModelDirectory.CoreIndexFile),
                Threshold = new ThresholdInfo(1.5, "quantile", 0.99, 0.05, 1.0, [0.9f, 1.0f, 1.1f]),
                Training = new TrainingInfo(3, ["a.png", "b.png", "c.png"], 0, 1.0, 2.0),
                Files = files,
            };
        });
    }

    /// <summary>Size and SHA-256 of every file of a model directory, model.json included, for bit-identity
    /// checks.</summary>
    public static IReadOnlyDictionary<string, FileEntry> Fingerprint(string dir) =>
        Directory.EnumerateFiles(dir).ToDictionary(f => Path.GetFileName(f), f => TensorFiles.Describe(f));
}
