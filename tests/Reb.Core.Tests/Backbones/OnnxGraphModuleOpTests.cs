using Onnx;
using Reb.Core.Backbones;
using TorchSharp;
using Xunit.Abstractions;
using static Reb.Core.Tests.Backbones.TinyOnnx;
using static TorchSharp.torch;

namespace Reb.Core.Tests.Backbones;

/// <summary>Ops and cases the ResNet18 graph does not exercise, checked against ONNX Runtime on a small
/// graph.</summary>
public sealed class OnnxGraphModuleOpTests
{
    private readonly ITestOutputHelper _output;

    public OnnxGraphModuleOpTests(ITestOutputHelper output) => _output = output;

    private static readonly string[] Outputs =
        { "conv_sym", "conv_asym", "bn", "max_asym", "avg_exclude", "avg_include", "sum", "relu", "flat", "max_sym",
            "max_same", "reshaped", "add_const" };

    /// <summary>
    /// X[1,4,11,13] -> conv with bias, dilation 2, symmetric pads (torch padding) and grouped strided conv with
    /// asymmetric pads (explicit pad); BN; max/avg pools with asymmetric pads, SAME_UPPER and symmetric pads;
    /// Sum of three, Relu, GlobalAveragePool, Flatten, Reshape, Add with a constant initializer.
    /// </summary>
    private static ModelProto BuildModel(Random random)
    {
        var initializers = new List<TensorProto>
        {
            Floats("w_sym", new long[] { 6, 4, 3, 3 }, RandomNormal(random, 6 * 4 * 9, 0.3f)),
            RawFloats("b_sym", new long[] { 6 }, RandomNormal(random, 6)),
            Floats("w_asym", new long[] { 6, 2, 3, 3 }, RandomNormal(random, 6 * 2 * 9, 0.3f)),
            Floats("bn_scale", new long[] { 6 }, RandomNormal(random, 6)),
            Floats("bn_bias", new long[] { 6 }, RandomNormal(random, 6)),
            Floats("bn_mean", new long[] { 6 }, RandomNormal(random, 6)),
            Floats("bn_var", new long[] { 6 }, RandomNormal(random, 6).Select(v => 0.5f + v * v).ToArray()),
            Int64s("target_shape", 0, -1),
            Floats("k", new long[] { 1, 6, 1, 1 }, RandomNormal(random, 6)),
        };
        var nodes = new[]
        {
            Node("Conv", "conv_sym", new[] { "x", "w_sym", "b_sym" }, "conv_sym", Ints("dilations", 2, 2),
                Ints("pads", 2, 1, 2, 1)),
            Node("Conv", "conv.asym/1", new[] { "x", "w_asym" }, "conv_asym", Int("group", 2), Ints("strides", 2, 2),
                Ints("pads", 1, 0, 0, 2)),
            Node("BatchNormalization", "bn", new[] { "conv_sym", "bn_scale", "bn_bias", "bn_mean", "bn_var" }, "bn",
                Float("epsilon", 1e-3f)),
            Node("MaxPool", "max_asym", new[] { "bn" }, "max_asym", Ints("kernel_shape", 3, 3), Ints("strides", 2, 2),
                Ints("pads", 1, 0, 0, 1)),
            Node("AveragePool", "avg_exclude", new[] { "bn" }, "avg_exclude", Ints("kernel_shape", 3, 3),
                Ints("strides", 2, 2), Ints("pads", 1, 0, 0, 1)),
            Node("AveragePool", "avg_include", new[] { "conv_asym" }, "avg_include", Ints("kernel_shape", 2, 2),
                Ints("pads", 0, 1, 1, 0), Int("count_include_pad", 1)),
            Node("Sum", "sum", new[] { "max_asym", "avg_exclude", "max_asym" }, "sum"),
            Node("Relu", "relu", new[] { "sum" }, "relu"),
            Node("GlobalAveragePool", "gap", new[] { "relu" }, "gap"),
            Node("Flatten", "flat", new[] { "gap" }, "flat"),
            Node("MaxPool", "max_sym", new[] { "bn" }, "max_sym", Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1)),
            Node("MaxPool", "max_same", new[] { "bn" }, "max_same", Ints("kernel_shape", 3, 3), Ints("strides", 2, 2),
                String("auto_pad", "SAME_UPPER")),
            Node("Reshape", "reshaped", new[] { "conv_asym", "target_shape" }, "reshaped"),
            Node("Add", "add_const", new[] { "relu", "k" }, "add_const"),
        };
        return Model(FloatValue("x", 1, 4, 11, 13), nodes, initializers, Outputs);
    }

    [Fact]
    public void SmallGraphMatchesOnnxRuntime()
    {
        var random = new Random(5);
        var model = BuildModel(random);
        var input = RandomNormal(random, 4 * 11 * 13);
        using var reference = new OnnxRuntimeReference(model, Outputs);
        var expected = reference.Run(input, new long[] { 1, 4, 11, 13 }, Outputs);

        using var scope = torch.NewDisposeScope();
        using var module = new OnnxGraphModule(model);
        module.eval();
        var actual = module.Forward(torch.tensor(input, new long[] { 1, 4, 11, 13 }), Outputs);
        foreach (var name in Outputs)
        {
            var (data, shape) = expected[name];
            Assert.Equal(shape, actual[name].shape);
            var mine = actual[name].contiguous().data<float>().ToArray();
            double maxDiff = data.Select((v, i) => Math.Abs(v - mine[i])).Max();
            double maxRef = data.Max(v => Math.Abs(v));
            _output.WriteLine($"{name} [{string.Join(",", shape)}]: max|ref| {maxRef:G3}, max|diff| {maxDiff:G3}");
            // At most 36 products per output here: float32 results agree to a few units of roundoff.
            Assert.True(maxDiff <= 1e-5 * Math.Max(1, maxRef),
                $"{name}: max |diff| {maxDiff} vs ORT (max |ref| {maxRef}).");
        }
        // Names are sanitised for torch ('.' and '/' are path separators in state dicts) and constants are buffers.
        var keys = module.state_dict().Keys.ToHashSet();
        Assert.Contains("conv_asym_1.weight", keys);
        Assert.Contains("conv_sym.bias", keys);
        Assert.Contains("constants.k", keys);
        Assert.Single(module.Forward(torch.tensor(input, new long[] { 1, 4, 11, 13 }), new[] { "conv_asym" }));
        Assert.Equal(new[] { "conv.asym/1" }, module.LastExecutedNodes);
    }

    [Fact]
    public void UnsupportedOpNamesNodeAndOp()
    {
        var model = Model(FloatValue("x", 1, 3, 4, 4),
            new[]
            {
                Node("Relu", "first_relu", new[] { "x" }, "r"),
                Node("Einsum", "my_einsum", new[] { "r", "r" }, "y", String("equation", "nchw,nchw->nc")),
            },
            Array.Empty<TensorProto>(), new[] { "y" });
        var e = Assert.Throws<NotSupportedException>(() => new OnnxGraphModule(model));
        Assert.Contains("my_einsum", e.Message);
        Assert.Contains("Einsum", e.Message);
    }

    [Fact]
    public void UnknownOutputNameIsReported()
    {
        var model = Model(FloatValue("x", 1, 3, 4, 4), new[] { Node("Relu", "only_relu", new[] { "x" }, "r") },
            Array.Empty<TensorProto>(), new[] { "r" });
        using var module = new OnnxGraphModule(model);
        using var x = torch.ones(1, 3, 4, 4);
        var e = Assert.Throws<ArgumentException>(() => module.Forward(x, new[] { "layer9" }));
        Assert.Contains("layer9", e.Message);
    }

    [Fact]
    public void MissingOnnxFileNamesThePath()
    {
        var path = Path.Combine(Path.GetTempPath(), $"reb-missing-{Guid.NewGuid():N}.onnx");
        var e = Assert.Throws<FileNotFoundException>(() => OnnxGraphModule.FromFile(path));
        Assert.Contains(path, e.Message);
        var spec = BackboneSpec.ResNet18 with { ModelPath = path };
        var e2 = Assert.Throws<FileNotFoundException>(() => Reb.Core.Backbones.Backbone.Load(spec));
        Assert.Contains(path, e2.Message);
    }
}
