using TorchSharp;
using static TorchSharp.torch;

namespace Reb.Core.Backbones;

/// <summary>ONNX MaxPool / AveragePool (2-D) on torch, including ONNX's asymmetric pads.</summary>
internal sealed class OnnxPool2d
{
    private readonly bool _isMax;
    private readonly long[] _kernel;
    private readonly long[] _strides;
    private readonly long[] _dilations;
    private readonly bool _ceilMode;
    private readonly bool _countIncludePad;
    private readonly OnnxSpatialPadding _padding;
    private readonly bool _torchCanPad;

    public OnnxPool2d(bool isMax, long[] kernel, long[] strides, long[] dilations, bool ceilMode, bool countIncludePad,
        OnnxSpatialPadding padding, string nodeDescription)
    {
        _isMax = isMax;
        _kernel = kernel;
        _strides = strides;
        _dilations = dilations;
        _ceilMode = ceilMode;
        _countIncludePad = countIncludePad;
        _padding = padding;
        // torch pools accept symmetric padding of at most half the kernel; anything else is padded explicitly.
        _torchCanPad = padding.IsSymmetric && padding.SymmetricPadding[0] <= kernel[0] / 2
            && padding.SymmetricPadding[1] <= kernel[1] / 2;
        // With explicit padding, torch's ceil_mode rule (last window must start inside the input) would see the
        // pad as input and could disagree with ONNX, so refuse rather than be silently different.
        if (ceilMode && !_torchCanPad)
            throw new NotSupportedException(
                $"{nodeDescription}: ceil_mode=1 together with asymmetric or large pads is not supported.");
    }

    public Tensor Run(Tensor x)
    {
        if (_torchCanPad)
        {
            var pad = _padding.SymmetricPadding;
            return _isMax
                ? nn.functional.max_pool2d(x, _kernel, _strides, pad, _dilations, _ceilMode)
                : nn.functional.avg_pool2d(x, _kernel, _strides, pad, _ceilMode, _countIncludePad);
        }

        var torchPad = _padding.TorchPadFor(x.shape[2], x.shape[3]);
        var zero = new long[] { 0, 0 };
        if (_isMax)
        {
            // Pad with -inf so that padding never wins a max, which is ONNX's definition.
            using var padded = nn.functional.pad(x, torchPad, value: double.NegativeInfinity);
            return nn.functional.max_pool2d(padded, _kernel, _strides, zero, _dilations);
        }

        using var zeroPadded = nn.functional.pad(x, torchPad);
        if (_countIncludePad)
            return nn.functional.avg_pool2d(zeroPadded, _kernel, _strides, zero);

        // Average over real pixels only: window sums of the input divided by window counts of real pixels.
        using var sums = nn.functional.avg_pool2d(zeroPadded, _kernel, _strides, zero);
        using var ones = torch.ones(1, 1, x.shape[2], x.shape[3], dtype: x.dtype, device: x.device);
        using var paddedOnes = nn.functional.pad(ones, torchPad);
        using var counts = nn.functional.avg_pool2d(paddedOnes, _kernel, _strides, zero);
        return sums / counts;
    }
}
