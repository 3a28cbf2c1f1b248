using Reb.Core.Backbones;
using Reb.Core.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace Reb.Core.Features;

/// <summary>
/// Backbone (eval mode, no gradients) + patch aggregation: images in, one D-dim vector per layer2 location out.
/// The grid size and channel counts are read off one probe forward pass, so any backbone whose two feature layers
/// have strides s and 2s works.
/// </summary>
public sealed class FeatureExtractor : IPatchEmbedder
{
    private readonly Backbone _backbone;
    private readonly PatchAggregator _aggregator;

    /// <param name="device">where the backbone runs (default the CPU); features come back on the same device.</param>
    public FeatureExtractor(Backbone backbone, int imageSize = 256, int dim = 512, Device? device = null)
    {
        _backbone = backbone;
        ImageSize = imageSize;
        Dim = dim;
        Device = device ?? CPU;
        if (Device.type != DeviceType.CPU) _backbone.Module.to(Device);
        var (lowChannels, highChannels) = Probe();
        _aggregator = new PatchAggregator(lowChannels, highChannels, dim);
    }

    private (int Low, int High) Probe()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        _backbone.Eval();
        var probe = zeros(1, 3, ImageSize, ImageSize, device: Device);
        var layers = _backbone.ForwardLayers(_backbone.Preprocess(probe), BackboneLayer.Layer2, BackboneLayer.Layer3);
        var low = layers[BackboneLayer.Layer2];
        var high = layers[BackboneLayer.Layer3];
        if (low.shape[2] != low.shape[3])
            throw new ArgumentException($"backbone layer2 output is not square ({low.shape[2]}x{low.shape[3]})");
        GridSize = (int)low.shape[2];
        return ((int)low.shape[1], (int)high.shape[1]);
    }

    public Backbone Backbone => _backbone;
    /// <summary>Where the backbone runs.</summary>
    public Device Device { get; }
    /// <summary>How the backbone was adapted (DefectMaker recipe, seed, loss curve) as JSON; null = ImageNet weights as
    /// shipped.</summary> <remarks>Settable so that an adaptation guard can attach its verdict after judging this very
    /// extractor.</remarks>
    public string? AdaptationJson { get; set; }
    public string Name => _backbone.Spec.ModelPath == BackboneSpec.BuiltinResNet18 ? "resnet18-imagenet"
        : Path.GetFileName(_backbone.Spec.ModelPath);
    public int ImageSize { get; }
    public int GridSize { get; private set; }
    /// <summary>Square (the method) or native aspect. Settable so that an adapted extractor can take the line's
    /// mode.</summary>
    public ResizeMode Resize { get; set; } = ResizeMode.Square;
    public int Dim { get; }

    public Tensor Embed(Tensor images)
    {
        if (Resize == ResizeMode.Square)
        {
            if (images.dim() != 4 || images.shape[1] != 3 || images.shape[2] != ImageSize
                || images.shape[3] != ImageSize)
                throw new ArgumentException(
                    $"expected images [N,3,{ImageSize},{ImageSize}], got [{string.Join(",", images.shape)}]");
        }
        else
        {
            // Any size the strides tile exactly: layer3's grid is then exactly half of layer2's, as at 256 x 256.
            int step = 2 * (ImageSize / GridSize);
            if (images.dim() != 4 || images.shape[1] != 3 || images.shape[2] % step != 0 || images.shape[3] % step != 0
                || images.shape[2] < ImageSize || images.shape[3] < ImageSize)
                throw new ArgumentException($"expected images [N,3,H,W] with H, W >= {ImageSize} and multiples of " +
                    $"{step}, got [{string.Join(",", images.shape)}]");
        }
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        if (_backbone.IsTraining) _backbone.Eval();
        var layers = _backbone.ForwardLayers(_backbone.Preprocess(images.to(Device)), BackboneLayer.Layer2,
            BackboneLayer.Layer3);
        var features = _aggregator.Aggregate(layers[BackboneLayer.Layer2], layers[BackboneLayer.Layer3]);
        // Features leave on the CPU whatever the device: the bank, the kNN kernel's queries and the maps live there.
        return (Device.type == DeviceType.CPU ? features : features.cpu()).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        _aggregator.Dispose();
        _backbone.Dispose();
    }
}
