using Reb.Core.Search;
using Reb.Core.Backbones;
using Reb.Core.Features;
using Reb.Core.Ldknn;
using Reb.Core.Models;
using static TorchSharp.torch;

namespace Reb.Core.Models;

/// <summary>Saves a fitted <see cref="InspectionModel"/> as a model directory and loads it back, without the training
/// images.</summary>
public static class ModelStore
{
    public const string BackboneWeightsFile = "backbone.weights";
    public const string NeighbourFile = "neighbours.f32";
    public const string GridsFile = "grids.i64";
    /// <summary>A custom ONNX backbone's copy inside the model directory.</summary>
    public const string BackboneOnnxFile = "backbone.onnx";

    public static ModelManifest Save(InspectionModel model, FitReport fit, string category, string dir)
    {
        if (model.Embedder is not FeatureExtractor fx)
            throw new NotSupportedException($"only models with a {nameof(FeatureExtractor)} embedder can be saved");
        var manifest = ModelDirectory.Write(dir, temp =>
        {
            var files = new Dictionary<string, FileEntry>
            {
                [ModelDirectory.CoreFile] =
                    TensorFiles.WriteFloats(Path.Combine(temp, ModelDirectory.CoreFile), model.Index.CoreFeatures),
                [ModelDirectory.DensityFile] =
                TensorFiles.WriteFloats(Path.Combine(temp, ModelDirectory.DensityFile), model.Index.Density),
                [ModelDirectory.CoreIndexFile] =
                TensorFiles.WriteLongs(Path.Combine(temp, ModelDirectory.CoreIndexFile), model.Index.CoreBankIndex),
            };
            // The neighbour distances travel with the model, so a loaded line can take incremental bank updates.
            if (model.Neighbours is { } nb)
                files[NeighbourFile] = TensorFiles.WriteFloats(Path.Combine(temp, NeighbourFile), nb.Distances);
            // A native-aspect bank is cut per image by its grids; a square one by its one grid.
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
            // A backbone of the user's own travels inside the model, checksummed, by a plain name: a model never
            // names a path outside its folder (a loader would parse whatever file that path reaches on a silo).
            var spec = fx.Backbone.Spec;
            if (!spec.IsBuiltin)
            {
                File.Copy(spec.ModelPath, Path.Combine(temp, BackboneOnnxFile));
                files[BackboneOnnxFile] = TensorFiles.Describe(Path.Combine(temp, BackboneOnnxFile));
                spec = spec with { ModelPath = BackboneOnnxFile };
            }
            var o = model.Options;
            return new ModelManifest
            {
                Category = category,
                CreatedUtc = DateTimeOffset.UtcNow,
                Backbone = new BackboneRef(fx.Name, spec.ToJson(), weights, fx.AdaptationJson),
                Features =
                new FeatureSettings(fx.ImageSize, fx.Dim, fx.GridSize) { Resize = ManifestResize(fx.Resize) },
                Ldknn = new LdknnSettings(o.Ldknn.K, o.Ldknn.Lambda, o.Ldknn.CoresetRatio, o.Ldknn.Seed)
                {
                    Search = o.Ldknn.Search == Search.SearchMode.Auto ? null : Search.SearchModes.Name(o.Ldknn.Search),
                },
                Bank = new BankInfo(fit.BankSize, model.Index.CoreCount, model.Index.Dim, ModelDirectory.CoreFile,
                    ModelDirectory.DensityFile, ModelDirectory.CoreIndexFile)
                    { NeighbourFile = model.Neighbours is null ? null : NeighbourFile,
                        GridsFile = writeGrids ? GridsFile : null },
                Threshold = model.Threshold,
                Training =
                new TrainingInfo(fit.TrainImages, fit.ImageNames, fit.Skipped.Count, fit.EmbedSeconds, fit.FitSeconds),
                Files = files,
            };
        });
        model.Manifest = manifest;
        return manifest;
    }

    /// <summary>The manifest's resize field: left out for square (older readers and square addresses
    /// unchanged).</summary>
    public static string? ManifestResize(Imaging.ResizeMode mode)
        => mode == Imaging.ResizeMode.Square ? null : Imaging.ResizeRule.Name(mode);

    /// <summary>Loads a model directory; every file is checked against its checksum first, a bad one is refused with
    /// its name.</summary>
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
            var index = new LdknnIndex(core, arrays.Density, arrays.CoreIndex, ldknn,
                device is null ? null : new KnnOptions { ScreenDevice = device });
            var options = new InspectionOptions
            {
                ImageSize = m.Features.ImageSize,
                BatchSize = batchSize,
                Ldknn = ldknn
            };
            var model = new InspectionModel(fx, index, m.Threshold, options) { Manifest = m };
            // Neighbour distances, when the model has them (verified with the other arrays).
            if (arrays.Neighbours is { } nd)
                using (var t = tensor(nd).reshape(m.Bank.Core, nd.LongLength / m.Bank.Core))
                    model.Neighbours = new BankNeighbours(t);
            if (arrays.Grids is { } g)
                model.Layout = new BankLayout(Enumerable.Range(0, g.Length / 2)
                    .Select(i => new PatchGrid((int)g[2 * i], (int)g[2 * i + 1])).ToList());
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
        // Again here, whoever verified the files: the probe tensor's size and the backbone's path come from the
        // manifest.
        ManifestValidation.Check(m, $"model '{dir}'");
        var spec = BackboneSpec.FromJson(m.Backbone.SpecJson).InModelDirectory(dir);
        var fx = LoadEmbedder(spec, m.Backbone.WeightsFile is { } w ? Path.Combine(dir, w) : null,
            m.Backbone.AdaptationJson, m.Features.ImageSize, m.Features.Dim, device, ResizeModeOf(m, dir));
        if (fx.GridSize == m.Features.GridSize) return fx;
        fx.Dispose();
        throw new ModelFormatException($"model '{dir}': backbone gives a {fx.GridSize}x{fx.GridSize} grid, the model " +
            $"was fitted on {m.Features.GridSize}x{m.Features.GridSize}");
    }

    /// <summary>The line's resize mode from its manifest (absent = square, as every model before native-aspect
    /// mode).</summary>
    public static Imaging.ResizeMode ResizeModeOf(ModelManifest m, string source)
    {
        try { return Imaging.ResizeRule.Parse(m.Features.Resize); }
        catch (ArgumentException e) { throw new ModelFormatException($"model '{source}': {e.Message}", e); }
    }

    /// <summary>A patch embedder from a backbone spec and, for an adapted backbone, its weights file and adaptation
    /// record.</summary>
    public static FeatureExtractor LoadEmbedder(BackboneSpec spec, string? weightsFile, string? adaptationJson,
        int imageSize, int dim = 512, Device? device = null,
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
            return new FeatureExtractor(backbone, imageSize, dim, device)
            {
                AdaptationJson = adaptationJson,
                Resize = resize
            };
        }
        catch
        {
            backbone.Dispose();
            throw;
        }
    }

    public sealed record Arrays(float[] Core, float[] Density, long[] CoreIndex, float[]? Neighbours = null,
        long[]? Grids = null);

    /// <summary>
    /// Reads model.json and the arrays: every name and declared size is checked first (<see
    /// cref="ManifestValidation"/>),
    /// then each array is read once into its typed array with its size and checksum verified while it is read; the
    /// other files (weights, the model's own ONNX backbone) are verified by streaming. Throws <see
    /// cref="ModelFormatException"/>. </summary>
    public static ModelManifest ReadAndVerify(string dir, out Arrays arrays)
    {
        var m = ModelDirectory.ReadManifest(dir);
        var what = $"model '{dir}'";
        ManifestValidation.Check(m, what);
        var b = m.Bank;
        var core = ModelFiles.ReadFloats(dir, b.CoreFile, m.Files[b.CoreFile], what);
        var density = ModelFiles.ReadFloats(dir, b.DensityFile, m.Files[b.DensityFile], what);
        var index = ModelFiles.ReadLongs(dir, b.CoreIndexFile, m.Files[b.CoreIndexFile], what);
        float[]? neighbours = b.NeighbourFile is { } nf ? ModelFiles.ReadFloats(dir, nf, m.Files[nf], what) : null;
        long[]? grids = b.GridsFile is { } gf ? ModelFiles.ReadLongs(dir, gf, m.Files[gf], what) : null;
        if (grids is not null) CheckGrids(m, what, grids);
        var arrayFiles =
            new HashSet<string?> { b.CoreFile, b.DensityFile, b.CoreIndexFile, b.NeighbourFile, b.GridsFile };
        foreach (var (name, entry) in m.Files.OrderBy(f => f.Key, StringComparer.Ordinal))
            if (!arrayFiles.Contains(name)) ModelFiles.Verify(dir, name, entry, what);
        arrays = new Arrays(core, density, index, neighbours, grids);
        return m;
    }

    /// <summary>
    /// Checks a model directory without loading it (a publish): names and sizes first, then every file streamed once
    /// against its checksum, the grids file's values checked as they pass. Memory stays one buffer whatever the bank's
    /// size. Throws <see cref="ModelFormatException"/> naming the bad file.
    /// </summary>
    public static ModelManifest Verify(string dir)
    {
        var m = ModelDirectory.ReadManifest(dir);
        var what = $"model '{dir}'";
        ManifestValidation.Check(m, what);
        foreach (var (name, entry) in m.Files.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            if (name != m.Bank.GridsFile) { ModelFiles.Verify(dir, name, entry, what); continue; }
            var grids = new GridTally(m, what);
            ModelFiles.Verify(dir, name, entry, what, grids.Add);
            grids.Finish();
        }
        return m;
    }

    private static void CheckGrids(ModelManifest m, string what, long[] grids)
    {
        var tally = new GridTally(m, what);
        tally.Add(0, System.Runtime.InteropServices.MemoryMarshal.AsBytes(grids.AsSpan()));
        tally.Finish();
    }

    /// <summary>Grids (height, width pairs) checked as they stream past: each positive and int-sized, rows =
    /// patches.</summary>
    private sealed class GridTally(ModelManifest m, string what)
    {
        private long _rows, _pairs;

        public void Add(long offset, ReadOnlySpan<byte> bytes)
        {
            if (_rows > m.Bank.Patches) return; // already wrong; Finish says so (and the sum cannot overflow)
            var values =
                System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(bytes[..(bytes.Length / 16 * 16)]);
            for (int i = 0; i + 1 < values.Length; i += 2)
            {
                long h = values[i], w = values[i + 1];
                if (h < 1 || w < 1 || h > int.MaxValue || w > int.MaxValue)
                    throw new ModelFormatException($"{what}: {m.Bank.GridsFile} holds an invalid grid {h}x{w}");
                _rows += h * w;
                _pairs++;
                if (_rows > m.Bank.Patches) break;
            }
        }

        public void Finish()
        {
            if (_rows != m.Bank.Patches)
                throw new ModelFormatException($"{what}: {m.Bank.GridsFile} describes {_rows} patches in {_pairs} " +
                    $"grids, the bank has {m.Bank.Patches}");
        }
    }
}
