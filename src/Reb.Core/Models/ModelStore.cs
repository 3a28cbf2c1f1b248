using Reb.Core.Search;
using Reb.Core.Backbones;
using Reb.Core.Features;
using Reb.Core.Ldknn;
using Reb.Core.Models;
using static TorchSharp.torch;

namespace Reb.Core.Models;

/// <summary>Saves a fitted <see cref="InspectionModel"/> as a model directory and loads it back, without the training images.</summary>
public static class ModelStore
{
    public const string BackboneWeightsFile = "backbone.weights";
    public const string NeighbourFile = "neighbours.f32";
    public const string GridsFile = "grids.i64";

    public static ModelManifest Save(InspectionModel model, FitReport fit, string category, string dir)
    {
        if (model.Embedder is not FeatureExtractor fx)
            throw new NotSupportedException($"only models with a {nameof(FeatureExtractor)} embedder can be saved");
        var manifest = ModelDirectory.Write(dir, temp =>
        {
            var files = new Dictionary<string, FileEntry>
            {
                [ModelDirectory.CoreFile] = TensorFiles.WriteFloats(Path.Combine(temp, ModelDirectory.CoreFile), model.Index.CoreFeatures),
                [ModelDirectory.DensityFile] = TensorFiles.WriteFloats(Path.Combine(temp, ModelDirectory.DensityFile), model.Index.Density),
                [ModelDirectory.CoreIndexFile] = TensorFiles.WriteLongs(Path.Combine(temp, ModelDirectory.CoreIndexFile), model.Index.CoreBankIndex),
            };
            // Issue 14: the neighbour distances travel with the model, so a loaded line can take incremental bank updates.
            if (model.Neighbours is { } nb)
                files[NeighbourFile] = TensorFiles.WriteFloats(Path.Combine(temp, NeighbourFile), nb.Distances);
            // Issue 13 + 14: a native-aspect bank is cut per image by its grids; a square one by its one grid.
            bool writeGrids = fx.Resize != Imaging.ResizeMode.Square && model.Layout is not null;
            if (writeGrids)
                files[GridsFile] = TensorFiles.WriteLongs(Path.Combine(temp, GridsFile),
                    model.Layout!.Grids.SelectMany(g => new long[] { g.Height, g.Width }).ToArray());
            string? weights = null;
            if (fx.AdaptationJson is not null)
            {
                // An adapted backbone travels with the model; the ImageNet one is referenced by its spec only.
                var path = Path.Combine(temp, BackboneWeightsFile);
                fx.Backbone.SaveWeights(path);
                files[BackboneWeightsFile] = TensorFiles.Describe(path);
                weights = BackboneWeightsFile;
            }
            var o = model.Options;
            return new ModelManifest
            {
                Category = category,
                CreatedUtc = DateTimeOffset.UtcNow,
                Backbone = new BackboneRef(fx.Name, fx.Backbone.Spec.ToJson(), weights, fx.AdaptationJson),
                Features = new FeatureSettings(fx.ImageSize, fx.Dim, fx.GridSize) { Resize = ManifestResize(fx.Resize) },
                Ldknn = new LdknnSettings(o.Ldknn.K, o.Ldknn.Lambda, o.Ldknn.CoresetRatio, o.Ldknn.Seed)
                {
                    Search = o.Ldknn.Search == Search.SearchMode.Auto ? null : Search.SearchModes.Name(o.Ldknn.Search),
                },
                Bank = new BankInfo(fit.BankSize, model.Index.CoreCount, model.Index.Dim, ModelDirectory.CoreFile, ModelDirectory.DensityFile, ModelDirectory.CoreIndexFile)
                    { NeighbourFile = model.Neighbours is null ? null : NeighbourFile, GridsFile = writeGrids ? GridsFile : null },
                Threshold = model.Threshold,
                Training = new TrainingInfo(fit.TrainImages, fit.ImageNames, fit.Skipped.Count, fit.EmbedSeconds, fit.FitSeconds),
                Files = files,
            };
        });
        model.Manifest = manifest;
        return manifest;
    }

    /// <summary>The manifest's resize field: left out for square (older readers and square addresses unchanged).</summary>
    public static string? ManifestResize(Imaging.ResizeMode mode) => mode == Imaging.ResizeMode.Square ? null : Imaging.ResizeRule.Name(mode);

    /// <summary>Loads a model directory; every file is checked against its checksum first, a bad one is refused with its name.</summary>
    /// <param name="device">where the backbone and the kNN screen run (null = the CPU); scores are the same either way
    /// up to the backbone's floating-point differences on that device.</param>
    public static InspectionModel Load(string dir, int batchSize = 8, Device? device = null)
    {
        var m = ReadAndVerify(dir, out var arrays);
        var fx = LoadEmbedder(dir, m, device);
        try
        {
            var core = tensor(arrays.Core).reshape(m.Bank.Core, m.Bank.Dim);
            var ldknn = new LdknnOptions
            {
                K = m.Ldknn.K, Lambda = m.Ldknn.Lambda, CoresetRatio = m.Ldknn.CoresetRatio, Seed = m.Ldknn.Seed,
                Search = m.Ldknn.Search is { } mode ? Search.SearchModes.Parse(mode) : Search.SearchMode.Auto,
            };
            var index = new LdknnIndex(core, arrays.Density, arrays.CoreIndex, ldknn, device is null ? null : new KnnOptions { ScreenDevice = device });
            var options = new InspectionOptions { ImageSize = m.Features.ImageSize, BatchSize = batchSize, Ldknn = ldknn };
            var model = new InspectionModel(fx, index, m.Threshold, options) { Manifest = m };
            // Issue 14: neighbour distances, when the model has them (verified with the other arrays).
            if (arrays.Neighbours is { } nd)
                using (var t = tensor(nd).reshape(m.Bank.Core, nd.LongLength / m.Bank.Core)) model.Neighbours = new BankNeighbours(t);
            if (arrays.Grids is { } g)
                model.Layout = new BankLayout(Enumerable.Range(0, g.Length / 2).Select(i => new PatchGrid((int)g[2 * i], (int)g[2 * i + 1])).ToList());
            return model;
        }
        catch
        {
            fx.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The model's patch embedder (backbone from its spec, adapted weights when the model carries them, aggregation),
    /// on <paramref name="device"/>. The one backbone loader of a model: <see cref="Load"/> and the silos' model cache
    /// (which loads the core set into bank shards instead) both call it.
    /// </summary>
    public static FeatureExtractor LoadEmbedder(string dir, ModelManifest m, Device? device = null)
    {
        var fx = LoadEmbedder(BackboneSpec.FromJson(m.Backbone.SpecJson), m.Backbone.WeightsFile is { } w ? Path.Combine(dir, w) : null,
            m.Backbone.AdaptationJson, m.Features.ImageSize, m.Features.Dim, device, ResizeModeOf(m, dir));
        if (fx.GridSize == m.Features.GridSize) return fx;
        fx.Dispose();
        throw new ModelFormatException($"model '{dir}': backbone gives a {fx.GridSize}x{fx.GridSize} grid, the model was fitted on {m.Features.GridSize}x{m.Features.GridSize}");
    }

    /// <summary>The line's resize mode from its manifest (absent = square, as every model before issue 13).</summary>
    public static Imaging.ResizeMode ResizeModeOf(ModelManifest m, string source)
    {
        try { return Imaging.ResizeRule.Parse(m.Features.Resize); }
        catch (ArgumentException e) { throw new ModelFormatException($"model '{source}': {e.Message}", e); }
    }

    /// <summary>A patch embedder from a backbone spec and, for an adapted backbone, its weights file and adaptation record.</summary>
    public static FeatureExtractor LoadEmbedder(BackboneSpec spec, string? weightsFile, string? adaptationJson, int imageSize, int dim = 512, Device? device = null,
        Imaging.ResizeMode resize = Imaging.ResizeMode.Square)
    {
        var backbone = Backbone.Load(spec);
        try
        {
            if (weightsFile is not null)
            {
                backbone.LoadWeights(weightsFile);
                backbone.Eval();
                backbone.Freeze();
            }
            return new FeatureExtractor(backbone, imageSize, dim, device) { AdaptationJson = adaptationJson, Resize = resize };
        }
        catch
        {
            backbone.Dispose();
            throw;
        }
    }

    public sealed record Arrays(float[] Core, float[] Density, long[] CoreIndex, float[]? Neighbours = null, long[]? Grids = null);

    /// <summary>Reads model.json and the arrays, checking sizes and checksums. Throws <see cref="ModelFormatException"/>.</summary>
    public static ModelManifest ReadAndVerify(string dir, out Arrays arrays)
    {
        var m = ModelDirectory.ReadManifest(dir);
        FileEntry Entry(string name) => m.Files.TryGetValue(name, out var e) ? e
            : throw new ModelFormatException($"model '{dir}': manifest lists no {name}");
        var core = TensorFiles.AsFloats(TensorFiles.ReadVerified(dir, m.Bank.CoreFile, Entry(m.Bank.CoreFile)));
        var density = TensorFiles.AsFloats(TensorFiles.ReadVerified(dir, m.Bank.DensityFile, Entry(m.Bank.DensityFile)));
        var index = TensorFiles.AsLongs(TensorFiles.ReadVerified(dir, m.Bank.CoreIndexFile, Entry(m.Bank.CoreIndexFile)));
        if (core.LongLength != m.Bank.Core * m.Bank.Dim || density.LongLength != m.Bank.Core || index.LongLength != m.Bank.Core)
            throw new ModelFormatException($"model '{dir}': array sizes do not match the manifest ({m.Bank.Core} x {m.Bank.Dim})");
        if (m.Backbone.WeightsFile is { } w) TensorFiles.ReadVerified(dir, w, Entry(w));
        float[]? neighbours = m.Bank.NeighbourFile is { } nf ? TensorFiles.AsFloats(TensorFiles.ReadVerified(dir, nf, Entry(nf))) : null;
        if (neighbours is not null && (m.Ldknn.K < 1 || neighbours.LongLength != m.Bank.Core * m.Ldknn.K))
            throw new ModelFormatException($"model '{dir}': {m.Bank.NeighbourFile} has {neighbours.LongLength} values, expected {m.Bank.Core} x K = {m.Ldknn.K}");
        long[]? grids = null;
        if (m.Bank.GridsFile is { } gf)
        {
            grids = TensorFiles.AsLongs(TensorFiles.ReadVerified(dir, gf, Entry(gf)));
            long rows = 0;
            for (int i = 0; i + 1 < grids.Length; i += 2)
            {
                if (grids[i] < 1 || grids[i + 1] < 1 || grids[i] > int.MaxValue || grids[i + 1] > int.MaxValue)
                    throw new ModelFormatException($"model '{dir}': {gf} holds an invalid grid {grids[i]}x{grids[i + 1]}");
                rows += grids[i] * grids[i + 1];
            }
            if (grids.Length % 2 != 0 || rows != m.Bank.Patches)
                throw new ModelFormatException($"model '{dir}': {gf} describes {rows} patches in {grids.Length / 2} grids, the bank has {m.Bank.Patches}");
        }
        arrays = new Arrays(core, density, index, neighbours, grids);
        return m;
    }
}
