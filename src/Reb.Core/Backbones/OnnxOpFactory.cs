using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace Reb.Core.Backbones;

/// <summary>
/// Turns one ONNX node into an <see cref="OnnxGraphStep"/>. Nodes with weights (Conv, BatchNormalization) get a
/// named submodule registered through the callback, so their weights are parameters/buffers of the graph module.
/// </summary>
internal sealed class OnnxOpFactory
{
    /// <summary>The ONNX operators this port runs.</summary>
    public static readonly IReadOnlyList<string> SupportedOps = new[]
    {
        "Conv", "BatchNormalization", "Relu", "MaxPool", "AveragePool", "GlobalAveragePool",
        "Add", "Sum", "Flatten", "Reshape", "Identity",
    };

    private readonly IReadOnlyDictionary<string, TensorProto> _initializers;
    private readonly double _batchNormMomentum;
    private readonly Action<string, nn.Module> _registerModule;

    public OnnxOpFactory(IReadOnlyDictionary<string, TensorProto> initializers, double batchNormMomentum,
        Action<string, nn.Module> registerModule)
    {
        _initializers = initializers;
        _batchNormMomentum = batchNormMomentum;
        _registerModule = registerModule;
    }

    /// <param name="node">The ONNX node.</param>
    /// <param name="stepName">Node name used in messages and in the executed-node list.</param>
    /// <param name="moduleName">Sanitised, unique submodule name for nodes that own weights.</param>
    public OnnxGraphStep Create(NodeProto node, string stepName, string moduleName)
    {
        var what = $"ONNX node '{stepName}' (op {node.OpType})";
        if (node.Domain is not ("" or "ai.onnx"))
            throw new NotSupportedException(
                $"{what}: operator domain '{node.Domain}' is not supported; only the default ONNX domain is.");
        var outputs = node.Output.Where(o => o.Length > 0).ToArray();
        if (outputs.Length != 1)
            throw new NotSupportedException(
                $"{what}: has {outputs.Length} outputs; only single-output nodes are supported.");
        var attributes = new OnnxNodeAttributes(node);
        var output = outputs[0];

        return node.OpType switch
        {
            "Conv" => Conv(node, attributes, stepName, moduleName, what, output),
            "BatchNormalization" => BatchNorm(node, attributes, stepName, moduleName, what, output),
            "Relu" => Step(node, stepName, what, output, 1, x => nn.functional.relu(x[0])),
            "Identity" => Step(node, stepName, what, output, 1, x => x[0].alias()),
            "MaxPool" => Pool(node, attributes, stepName, what, output, isMax: true),
            "AveragePool" => Pool(node, attributes, stepName, what, output, isMax: false),
            "GlobalAveragePool" => Step(node, stepName, what, output, 1, x => GlobalAverage(x[0])),
            "Add" => Elementwise(node, attributes, stepName, what, output, expectedInputs: 2),
            "Sum" => Elementwise(node, attributes, stepName, what, output, expectedInputs: -1),
            "Flatten" => Flatten(node, attributes, stepName, what, output),
            "Reshape" => Reshape(node, attributes, stepName, what, output),
            _ => throw new NotSupportedException(
                $"{what} is not supported by OnnxGraphModule. Supported ops: {string.Join(", ", SupportedOps)}."),
        };
    }

    private static OnnxGraphStep Step(NodeProto node, string stepName, string what, string output, int inputCount,
        Func<Tensor[], Tensor> run)
    {
        if (node.Input.Count != inputCount)
            throw new NotSupportedException($"{what}: expected {inputCount} input(s), found {node.Input.Count}.");
        return new OnnxGraphStep(stepName, node.OpType, node.Input.Take(inputCount).ToArray(), output, run);
    }

    private OnnxGraphStep Conv(NodeProto node, OnnxNodeAttributes a, string stepName, string moduleName, string what,
        string output)
    {
        if (node.Input.Count < 2) throw new NotSupportedException($"{what}: needs a data input and a weight input.");
        var weightProto = Initializer(node.Input[1], what, "weight");
        if (weightProto.Dims.Count != 4)
            throw new NotSupportedException($"{what}: weight has {weightProto.Dims.Count} dims; only 2-D " +
                "convolutions (4-D weights) are supported.");
        var kernel = new[] { weightProto.Dims[2], weightProto.Dims[3] };
        var kernelAttribute = a.Ints("kernel_shape");
        if (kernelAttribute is not null && !kernelAttribute.SequenceEqual(kernel))
            throw new InvalidDataException(
                $"{what}: kernel_shape [{string.Join(",", kernelAttribute)}] disagrees with the weight dims.");
        var strides = a.Ints("strides") ?? new long[] { 1, 1 };
        var dilations = a.Ints("dilations") ?? new long[] { 1, 1 };
        long groups = a.Int("group", 1);
        var padding = new OnnxSpatialPadding(a, kernel, strides, dilations, what);

        var weight = OnnxTensorReader.ToFloatTensor(weightProto);
        Tensor? bias = null;
        if (node.Input.Count >= 3 && node.Input[2].Length > 0)
        {
            bias = OnnxTensorReader.ToFloatTensor(Initializer(node.Input[2], what, "bias"));
            if (bias.numel() != weight.shape[0])
                throw new InvalidDataException(
                    $"{what}: bias has {bias.numel()} values for {weight.shape[0]} output channels.");
        }

        var module = new OnnxConv2d(moduleName, weight, bias, strides, dilations, groups, padding);
        _registerModule(moduleName, module);
        return new OnnxGraphStep(stepName, node.OpType, new[] { node.Input[0] }, output, x => module.forward(x[0]));
    }

    private OnnxGraphStep BatchNorm(NodeProto node, OnnxNodeAttributes a, string stepName, string moduleName,
        string what, string output)
    {
        if (node.Input.Count != 5) throw new NotSupportedException(
            $"{what}: expected 5 inputs (X, scale, B, mean, var), found {node.Input.Count}.");
        // Opset < 9 has 'spatial'; spatial=0 (per-activation statistics) has no BatchNorm2d equivalent.
        if (a.Int("spatial", 1) != 1) throw new NotSupportedException($"{what}: spatial=0 is not supported.");
        if (a.Int("training_mode", 0) != 0)
            throw new NotSupportedException($"{what}: training_mode=1 is not supported.");
        using var scale = OnnxTensorReader.ToFloatTensor(Initializer(node.Input[1], what, "scale"));
        using var shift = OnnxTensorReader.ToFloatTensor(Initializer(node.Input[2], what, "B"));
        using var mean = OnnxTensorReader.ToFloatTensor(Initializer(node.Input[3], what, "mean"));
        using var variance = OnnxTensorReader.ToFloatTensor(Initializer(node.Input[4], what, "var"));
        long channels = scale.numel();
        if (shift.numel() != channels || mean.numel() != channels || variance.numel() != channels)
            throw new InvalidDataException($"{what}: scale, B, mean and var must all have {channels} values.");

        double epsilon = a.Float("epsilon", 1e-5f);
        // The ONNX momentum attribute is the exporter's (CNTK's) bookkeeping; fine-tuning follows torch's convention,
        // so the momentum comes from the caller (torch's default 0.1 unless told otherwise).
        var bn = nn.BatchNorm2d(channels, eps: epsilon, momentum: _batchNormMomentum);
        using (torch.no_grad())
        {
            bn.weight!.copy_(scale.reshape(channels));
            bn.bias!.copy_(shift.reshape(channels));
            bn.running_mean!.copy_(mean.reshape(channels));
            bn.running_var!.copy_(variance.reshape(channels));
        }
        _registerModule(moduleName, bn);
        return new OnnxGraphStep(stepName, node.OpType, new[] { node.Input[0] }, output, x => bn.forward(x[0]));
    }

    private static OnnxGraphStep Pool(NodeProto node, OnnxNodeAttributes a, string stepName, string what, string output,
        bool isMax)
    {
        var kernel = a.Ints("kernel_shape") ?? throw new InvalidDataException($"{what}: kernel_shape is required.");
        if (kernel.Length != 2) throw new NotSupportedException(
            $"{what}: only 2-D pooling is supported (kernel_shape has {kernel.Length} values).");
        var strides = a.Ints("strides") ?? new long[] { 1, 1 };
        var dilations = a.Ints("dilations") ?? new long[] { 1, 1 };
        if (!isMax && dilations.Any(d => d != 1))
            throw new NotSupportedException($"{what}: dilated average pooling is not supported.");
        bool ceilMode = a.Int("ceil_mode", 0) != 0;
        bool countIncludePad = a.Int("count_include_pad", 0) != 0;
        var padding = new OnnxSpatialPadding(a, kernel, strides, dilations, what);
        var pool = new OnnxPool2d(isMax, kernel, strides, dilations, ceilMode, countIncludePad, padding, what);
        return Step(node, stepName, what, output, 1, x => pool.Run(x[0]));
    }

    private static Tensor GlobalAverage(Tensor x)
    {
        var spatial = Enumerable.Range(2, (int)x.dim() - 2).Select(d => (long)d).ToArray();
        return x.mean(spatial, keepdim: true);
    }

    private static OnnxGraphStep Elementwise(NodeProto node, OnnxNodeAttributes a, string stepName, string what,
        string output, int expectedInputs)
    {
        // Opset < 7 broadcasting ('broadcast'/'axis' attributes) differs from numpy broadcasting.
        if (a.Has("axis") || a.Int("broadcast", 0) != 0)
            throw new NotSupportedException($"{what}: legacy broadcast/axis attributes (opset < 7) are not supported.");
        int count = expectedInputs > 0 ? expectedInputs : node.Input.Count;
        if (count < 1) throw new NotSupportedException($"{what}: has no inputs.");
        return Step(node, stepName, what, output, count, x =>
        {
            if (x.Length == 1) return x[0].alias();
            var sum = x[0] + x[1];
            for (int i = 2; i < x.Length; i++)
            {
                var next = sum + x[i];
                sum.Dispose();
                sum = next;
            }
            return sum;
        });
    }

    private static OnnxGraphStep Flatten(NodeProto node, OnnxNodeAttributes a, string stepName, string what,
        string output)
    {
        long axis = a.Int("axis", 1);
        return Step(node, stepName, what, output, 1, x =>
        {
            var shape = x[0].shape;
            long at = axis < 0 ? axis + shape.Length : axis;
            long outer = shape.Take((int)at).Aggregate(1L, (p, d) => p * d);
            long inner = shape.Skip((int)at).Aggregate(1L, (p, d) => p * d);
            return x[0].reshape(outer, inner);
        });
    }

    private OnnxGraphStep Reshape(NodeProto node, OnnxNodeAttributes a, string stepName, string what, string output)
    {
        if (a.Int("allowzero", 0) != 0) throw new NotSupportedException($"{what}: allowzero=1 is not supported.");
        long[] target = node.Input.Count >= 2
            ? OnnxTensorReader.ReadInt64s(Initializer(node.Input[1], what, "shape"))
            : a.Ints("shape")
            ?? throw new InvalidDataException($"{what}: no target shape (neither an input nor a 'shape' attribute).");
        return new OnnxGraphStep(stepName, node.OpType, new[] { node.Input[0] }, output, x =>
        {
            // ONNX: 0 copies the input's dim at that position, -1 is inferred (torch does that part).
            var shape = target.Select((d, i) => d == 0 ? x[0].shape[i] : d).ToArray();
            return x[0].reshape(shape);
        });
    }

    private TensorProto Initializer(string name, string what, string role)
    {
        if (_initializers.TryGetValue(name, out var t)) return t;
        throw new NotSupportedException(
            $"{what}: its {role} '{name}' is computed at run time; only constant (initializer) {role}s are supported.");
    }
}
