using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Reb.Core.Backbones;

/// <summary>
/// A CNN backbone ready for REB: its <see cref="BackboneSpec"/>, the trainable <see cref="OnnxGraphModule"/> and the
/// matching input preprocessing. Owns the module: dispose the backbone to free the weights.
/// </summary>
public sealed class Backbone : IDisposable
{
    /// <summary>Where the build puts the offline ResNet18, relative to the application's base directory.</summary>
    public static readonly string BuiltinResNet18RelativePath =
        Path.Combine("DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");

    private Backbone(BackboneSpec spec, OnnxGraphModule module)
    {
        Spec = spec;
        Module = module;
    }

    /// <summary>What was loaded and how inputs are normalised.</summary>
    public BackboneSpec Spec { get; }

    /// <summary>The torch module (for optimizers, state dicts, device moves).</summary>
    public OnnxGraphModule Module { get; }

    /// <summary>True in training mode (BatchNorm uses batch statistics and updates its running ones).</summary>
    public bool IsTraining => Module.training;

    /// <summary>Loads the offline ImageNet ResNet18 (<see cref="BackboneSpec.ResNet18"/>).</summary>
    /// <param name="baseDirectory">Folder holding DnnImageModels/; default <see
    /// cref="AppContext.BaseDirectory"/>.</param>
    /// <exception cref="FileNotFoundException">The ONNX file is not where the build puts it (names the expected
    /// path).</exception>
    public static Backbone LoadDefault(string? baseDirectory = null) => Load(BackboneSpec.ResNet18, baseDirectory);

    /// <summary>Loads the backbone a spec describes and checks that its layer names exist in the graph.</summary>
    /// <param name="spec">The backbone description.</param>
    /// <param name="baseDirectory">Only for <see cref="BackboneSpec.BuiltinResNet18"/>: folder holding
    /// DnnImageModels/.</param>
    public static Backbone Load(BackboneSpec spec, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        var path = ResolveModelPath(spec, baseDirectory);
        if (!File.Exists(path))
        {
            var hint = spec.ModelPath == BackboneSpec.BuiltinResNet18
                ? " The build copies it from the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18; reference " +
                "that package from the application's project."
                : "";
            throw new FileNotFoundException($"Backbone ONNX file not found: expected '{path}'.{hint}", path);
        }
        var module = OnnxGraphModule.FromFile(path);
        try
        {
            foreach (var layer in new[] { BackboneLayer.Layer2, BackboneLayer.Layer3, BackboneLayer.Layer4 })
            {
                try { module.ResolveValueName(spec.LayerName(layer)); }
                catch (ArgumentException e)
                {
                    throw new ArgumentException($"BackboneSpec.{layer} '{spec.LayerName(layer)}' is not in '{path}': " +
                        $"{e.Message}", nameof(spec), e);
                }
            }
        }
        catch
        {
            module.Dispose();
            throw;
        }
        module.eval();
        return new Backbone(spec, module);
    }

    /// <summary>The ONNX file a spec points to (the builtin name resolved against the base directory).</summary>
    public static string ResolveModelPath(BackboneSpec spec, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.ModelPath == BackboneSpec.BuiltinResNet18
            ? Path.GetFullPath(Path.Combine(baseDirectory ?? AppContext.BaseDirectory, BuiltinResNet18RelativePath))
            : Path.GetFullPath(spec.ModelPath);
    }

    /// <summary>
    /// Normalises RGB images with values 0..255 for this network: scale to its range, reorder channels, subtract
    /// the mean, divide by the std. Returns a new tensor (the input is not modified).
    /// </summary>
    /// <param name="rgb0to255">[N, 3, H, W] float32, RGB, 0..255.</param>
    public Tensor Preprocess(Tensor rgb0to255)
    {
        ArgumentNullException.ThrowIfNull(rgb0to255);
        if (rgb0to255.dim() != 4 || rgb0to255.shape[1] != 3 || rgb0to255.dtype != ScalarType.Float32)
            throw new ArgumentException(
                $"Preprocess expects a [N,3,H,W] float32 RGB batch, got [{string.Join(",", rgb0to255.shape)}] " +
                $"{rgb0to255.dtype}.", nameof(rgb0to255));

        using var scope = torch.NewDisposeScope();
        var x = Spec.InputRange == 255.0 ? rgb0to255.alias() : rgb0to255 / (255.0 / Spec.InputRange);
        if (Spec.InputChannelOrder == ChannelOrder.Bgr) x = x.flip(1);
        var mean = torch.tensor(Spec.Mean.Select(m => (float)m).ToArray(), new long[] { 1, 3, 1, 1 }, device: x.device);
        x = x - mean;
        if (Spec.Std.Any(s => s != 1.0))
            x = x / torch.tensor(Spec.Std.Select(s => (float)s).ToArray(), new long[] { 1, 3, 1, 1 }, device: x.device);
        return scope.MoveToOuter(x);
    }

    /// <summary>Runs the network up to the named nodes/values only; the caller owns (disposes) the returned
    /// tensors.</summary> <param name="preprocessed">Output of <see cref="Preprocess"/>.</param>
    /// <param name="outputs">ONNX node or value names, e.g. "ReLU315".</param>
    public IReadOnlyDictionary<string, Tensor> Forward(Tensor preprocessed, params string[] outputs)
        => Module.Forward(preprocessed, outputs);

    /// <summary>
    /// Runs the network for REB's layer roles; layer4 is computed only if <see cref="BackboneLayer.Layer4"/> or
    /// <see cref="BackboneLayer.Pool"/> is asked for. The caller owns (disposes) the returned tensors.
    /// </summary>
    public IReadOnlyDictionary<BackboneLayer, Tensor> ForwardLayers(Tensor preprocessed, params BackboneLayer[] layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Length == 0) throw new ArgumentException("Ask for at least one layer.", nameof(layers));
        var wanted = layers.Distinct().ToArray();
        bool pool = wanted.Contains(BackboneLayer.Pool);
        var feature = wanted.Where(l => l != BackboneLayer.Pool).ToList();
        if (pool && !feature.Contains(BackboneLayer.Layer4)) feature.Add(BackboneLayer.Layer4);

        var byName = Module.Forward(preprocessed, feature.Select(Spec.LayerName).Distinct());
        var result = new Dictionary<BackboneLayer, Tensor>();
        // Two roles may name the same node: the module returns it once, so the second role gets an alias.
        var handed = new HashSet<string>();
        foreach (var layer in feature)
        {
            var t = byName[Spec.LayerName(layer)];
            result[layer] = handed.Add(Spec.LayerName(layer)) ? t : t.alias();
        }
        if (pool)
        {
            var layer4 = result[BackboneLayer.Layer4];
            result[BackboneLayer.Pool] = layer4.mean(new long[] { 2, 3 });
            if (!wanted.Contains(BackboneLayer.Layer4))
            {
                result.Remove(BackboneLayer.Layer4);
                layer4.Dispose();
            }
        }
        return result;
    }

    /// <summary>Makes every parameter trainable (true) or frozen (false). BatchNorm running statistics are buffers and
    /// follow the train/eval mode instead.</summary>
    public void SetTrainable(bool trainable)
    {
        foreach (var p in Module.parameters()) p.requires_grad = trainable;
    }

    /// <summary>Freezes every parameter (no gradients).</summary>
    public void Freeze() => SetTrainable(false);

    /// <summary>Unfreezes every parameter.</summary>
    public void Unfreeze() => SetTrainable(true);

    /// <summary>Training mode: BatchNorm normalises with batch statistics and updates its running ones.</summary>
    public void Train() => Module.train();

    /// <summary>Evaluation mode (the default after loading): BatchNorm uses its running statistics.</summary>
    public void Eval() => Module.eval();

    /// <summary>The trainable parameters, for an optimizer.</summary>
    public IEnumerable<Parameter> Parameters() => Module.parameters();

    /// <summary>Saves all parameters and buffers (TorchSharp state-dict format).</summary>
    public void SaveWeights(string path) => Module.save(path);

    /// <summary>Loads weights saved by <see cref="SaveWeights"/> from the same architecture (strict: every name must
    /// match).</summary> <exception cref="FileNotFoundException">The file does not exist (names the path).</exception>
    public void LoadWeights(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Backbone weights file not found: '{path}'.", path);
        Module.load(path);
    }

    /// <inheritdoc />
    public void Dispose() => Module.Dispose();
}
