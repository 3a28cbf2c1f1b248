namespace Reb.Core.Backbones;

/// <summary>
/// The padding of a 2-D ONNX Conv or pooling node, in ONNX terms. ONNX lets the two sides of an axis differ
/// (the CNTK ResNet18 pads conv1 by [3,3,2,2] = top 3, left 3, bottom 2, right 2), which torch's
/// conv/pool padding argument cannot express; such nodes are run as an explicit pad followed by padding 0.
/// </summary>
internal sealed class OnnxSpatialPadding
{
    private readonly string _autoPad;
    private readonly long[] _pads;      // ONNX order: top, left, bottom, right
    private readonly long[] _kernel;    // kh, kw
    private readonly long[] _strides;
    private readonly long[] _dilations;

    public OnnxSpatialPadding(OnnxNodeAttributes attributes, long[] kernel, long[] strides, long[] dilations,
        string nodeDescription)
    {
        _autoPad = attributes.String("auto_pad", "NOTSET");
        if (_autoPad is not ("NOTSET" or "VALID" or "SAME_UPPER" or "SAME_LOWER"))
            throw new NotSupportedException($"{nodeDescription}: auto_pad '{_autoPad}' is not supported.");
        _pads = attributes.Ints("pads") ?? new long[4];
        if (_pads.Length != 4)
            throw new NotSupportedException(
                $"{nodeDescription}: pads has {_pads.Length} values; only 2-D nodes (4 pads) are supported.");
        if (_autoPad == "VALID") _pads = new long[4];
        _kernel = kernel;
        _strides = strides;
        _dilations = dilations;
    }

    /// <summary>True when the padding is known without the input size (NOTSET or VALID).</summary>
    public bool IsStatic => _autoPad is "NOTSET" or "VALID";

    /// <summary>True when static and each axis is padded equally on both sides, so torch's padding argument can do
    /// it.</summary>
    public bool IsSymmetric => IsStatic && _pads[0] == _pads[2] && _pads[1] == _pads[3];

    /// <summary>Symmetric padding per axis (height, width); only meaningful when <see cref="IsSymmetric"/>.</summary>
    public long[] SymmetricPadding => new[] { _pads[0], _pads[1] };

    /// <summary>True when there is no padding at all.</summary>
    public bool IsZero => IsStatic && _pads.All(p => p == 0);

    /// <summary>
    /// The pads for an input of the given height and width, in torch's F.pad order (left, right, top, bottom).
    /// SAME_UPPER/SAME_LOWER follow the ONNX rule: output = ceil(input / stride); the odd pixel goes to the end (UPPER)
    /// or start (LOWER).
    /// </summary>
    public long[] TorchPadFor(long height, long width)
    {
        if (IsStatic) return new[] { _pads[1], _pads[3], _pads[0], _pads[2] };
        var (top, bottom) = SamePads(height, 0);
        var (left, right) = SamePads(width, 1);
        return new[] { left, right, top, bottom };
    }

    private (long begin, long end) SamePads(long size, int axis)
    {
        long output = (size + _strides[axis] - 1) / _strides[axis];
        long effectiveKernel = (_kernel[axis] - 1) * _dilations[axis] + 1;
        long total = Math.Max((output - 1) * _strides[axis] + effectiveKernel - size, 0);
        long small = total / 2, large = total - small;
        return _autoPad == "SAME_UPPER" ? (small, large) : (large, small);
    }
}
