using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Reb.Core.Backbones;

/// <summary>
/// A 2-D ONNX Conv node as a trainable torch module: its weight (and bias, if any) are registered parameters
/// named "weight" / "bias", as in torch's Conv2d, so state dicts look familiar.
/// </summary>
public sealed class OnnxConv2d : nn.Module<Tensor, Tensor>
{
    // Fields (not readonly) so that TorchSharp can swap them when the module moves to another device.
    private Parameter weight;
    private Parameter? bias;
    private readonly long[] _strides;
    private readonly long[] _dilations;
    private readonly long _groups;
    private readonly OnnxSpatialPadding _padding;

    internal OnnxConv2d(string name, Tensor weightValues, Tensor? biasValues, long[] strides, long[] dilations,
        long groups,
        OnnxSpatialPadding padding) : base(name)
    {
        weight = new Parameter(weightValues, requires_grad: true);
        bias = biasValues is null ? null : new Parameter(biasValues, requires_grad: true);
        _strides = strides;
        _dilations = dilations;
        _groups = groups;
        _padding = padding;
        RegisterComponents();
    }

    /// <summary>Output channels x input channels per group x kh x kw.</summary>
    public long[] WeightShape => weight.shape;

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        if (_padding.IsSymmetric)
            return nn.functional.conv2d(input, weight, bias, _strides, _padding.SymmetricPadding, _dilations, _groups);

        // Asymmetric or size-dependent pads: zero-pad explicitly, then convolve without padding.
        using var padded = nn.functional.pad(input, _padding.TorchPadFor(input.shape[2], input.shape[3]));
        return nn.functional.conv2d(padded, weight, bias, _strides, new long[] { 0, 0 }, _dilations, _groups);
    }
}
