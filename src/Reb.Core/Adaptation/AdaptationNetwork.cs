using Reb.Core.Backbones;
using Reb.Core.DefectMaker;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Reb.Core.Adaptation;

/// <summary>
/// Section 5's classifier: backbone to layer4 + global average pool, then the MLP head
/// features-512(BN,ReLU)-256(BN,ReLU)-7 that tells the clean image from the six defect kinds.
/// Submodules: "backbone" (the backbone's ONNX graph module) and "head" (fc1, bn1, relu1, fc2, bn2, relu2, out), so
/// <c>state_dict()</c> keys read "backbone.Convolution249.weight", "head.fc1.weight", ...
/// The backbone stays the caller's: disposing the network frees the head only.
/// </summary>
public sealed class AdaptationNetwork : nn.Module<Tensor, Tensor>
{
    private readonly Backbone _backboneOwner;
    private readonly OnnxGraphModule backbone;
    private readonly Sequential head;
    private bool _frozen;

    /// <param name="backbone">The backbone to adapt (trained in place; still owned by the caller).</param>
    /// <param name="headWidths">Hidden widths of the head (section 5: 512, 256).</param>
    /// <param name="initGenerator">Seeded generator for the head's initial weights (PyTorch's default Linear init:
    /// U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases), so the initial head depends on the seed
    /// only.</param> <param name="imageSizeForProbe">Size of the probe image used to read the backbone's pooled feature
    /// width.</param>
    public AdaptationNetwork(Backbone backbone, IReadOnlyList<int>? headWidths = null, Generator? initGenerator = null,
        int imageSizeForProbe = 64)
        : base(nameof(AdaptationNetwork))
    {
        ArgumentNullException.ThrowIfNull(backbone);
        var widths = headWidths ?? [512, 256];
        if (widths.Count == 0 || widths.Any(w => w < 1))
            throw new ArgumentException("head widths must be positive and at least one", nameof(headWidths));
        _backboneOwner = backbone;
        this.backbone = backbone.Module;
        FeatureWidth = ProbeFeatureWidth(backbone, imageSizeForProbe);

        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        int fanIn = FeatureWidth;
        for (int i = 0; i < widths.Count; i++)
        {
            layers.Add(($"fc{i + 1}", nn.Linear(fanIn, widths[i])));
            layers.Add(($"bn{i + 1}", nn.BatchNorm1d(widths[i])));
            layers.Add(($"relu{i + 1}", nn.ReLU()));
            fanIn = widths[i];
        }
        layers.Add(("out", nn.Linear(fanIn, ClassCount)));
        head = nn.Sequential(layers);
        RegisterComponents();
        if (initGenerator is not null) InitialiseHead(initGenerator);
    }

    /// <summary>Number of classes: clean + the six defect kinds.</summary>
    public static int ClassCount => DefectKinds.ClassCount;

    /// <summary>Width of the pooled backbone features (512 for ResNet18).</summary>
    public int FeatureWidth { get; }

    /// <summary>The backbone being adapted.</summary>
    public Backbone Backbone => _backboneOwner;

    /// <summary>The MLP head (discarded after adaptation).</summary>
    public Sequential Head => head;

    /// <summary>True while the backbone is frozen: eval mode (BatchNorm running statistics untouched), no
    /// gradients.</summary>
    public bool BackboneFrozen => _frozen;

    /// <summary>
    /// Frozen phase: backbone in eval mode with no gradients, head in train mode. Unfrozen, as the reference does it
    /// (defaults): the whole network in train mode (BatchNorm uses and updates batch statistics), every parameter
    /// trainable. A recipe can keep the stages up to <paramref name="fixedThrough"/> (a node or value name of the
    /// backbone) fixed, and with <paramref name="freezeBatchNorm"/> keep every BatchNorm in eval mode with its affine
    /// weights fixed, so only convolution weights downstream of the fixed stages learn.
    /// </summary>
    public void SetBackboneFrozen(bool frozen, string? fixedThrough = null, bool freezeBatchNorm = false)
    {
        _frozen = frozen;
        head.train();
        _backboneOwner.Freeze();
        if (frozen) { _backboneOwner.Eval(); return; }
        var trainable = backbone.WeightModulesAfter(fixedThrough);
        if (freezeBatchNorm) _backboneOwner.Eval();
        else
        {
            _backboneOwner.Train();
            // Fixed stages keep ImageNet's running statistics (batch statistics would change what they compute).
            var learning = trainable.Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var (name, module) in backbone.named_children())
                if (!learning.Contains(name) && module is BatchNorm2d) module.eval();
        }
        foreach (var (_, module) in trainable)
        {
            if (freezeBatchNorm && module is BatchNorm2d) continue;
            foreach (var p in module.parameters()) p.requires_grad = true;
        }
    }

    /// <summary>Logits [N, 7] for preprocessed images [N, 3, S, S] (output of <see
    /// cref="Backbones.Backbone.Preprocess"/>).</summary>
    public override Tensor forward(Tensor preprocessed) => ForwardWithLayer3(preprocessed, keepLayer3: false).Logits;

    /// <summary>Logits and, when <paramref name="keepLayer3"/>, the layer3 features of the same pass (what the memory
    /// bank is made of, used by the feature-keeping term); the caller disposes both.</summary>
    public (Tensor Logits, Tensor? Layer3) ForwardWithLayer3(Tensor preprocessed, bool keepLayer3)
    {
        using var scope = NewDisposeScope();
        IReadOnlyDictionary<BackboneLayer, Tensor> layers;
        var wanted = keepLayer3 ? new[] { BackboneLayer.Layer3, BackboneLayer.Pool } : new[] { BackboneLayer.Pool };
        if (_frozen)
        {
            // No graph through the frozen backbone: saves the memory and time of its backward pass.
            using var noGrad = no_grad();
            layers = _backboneOwner.ForwardLayers(preprocessed, wanted);
        }
        else layers = _backboneOwner.ForwardLayers(preprocessed, wanted);
        var logits = head.forward(layers[BackboneLayer.Pool]).MoveToOuterDisposeScope();
        var layer3 = keepLayer3 ? layers[BackboneLayer.Layer3].MoveToOuterDisposeScope() : null;
        return (logits, layer3);
    }

    /// <summary>The head's parameters only.</summary>
    public IEnumerable<Parameter> HeadParameters() => head.parameters();

    private void InitialiseHead(Generator generator)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        foreach (var (name, module) in head.named_children())
        {
            if (module is not Linear linear) continue;
            double bound = 1.0 / Math.Sqrt(linear.weight!.shape[1]);
            linear.weight.copy_(rand(linear.weight.shape, generator: generator).mul_(2 * bound).sub_(bound));
            linear.bias!.copy_(rand(linear.bias.shape, generator: generator).mul_(2 * bound).sub_(bound));
        }
    }

    private static int ProbeFeatureWidth(Backbone backbone, int size)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        bool wasTraining = backbone.IsTraining;
        backbone.Eval();
        var pooled = backbone.ForwardLayers(backbone.Preprocess(zeros(1, 3, size, size)),
            BackboneLayer.Pool)[BackboneLayer.Pool];
        if (wasTraining) backbone.Train();
        return (int)pooled.shape[1];
    }

    /// <summary>Frees the head only: the backbone belongs to whoever passed it in. (The small native container is
    /// released by its safe handle's finaliser, since TorchSharp's base Dispose would free every submodule.)</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing) head.Dispose();
    }
}
