using Onnx;
using Reb.Core.Backbones;
using TorchSharp;
using RebBackbone = Reb.Core.Backbones.Backbone;
using static TorchSharp.torch;

namespace Reb.Core.Tests.Backbones;

/// <summary>Behaviour of the ResNet18 port beyond numerical exactness: shapes, partial runs, training,
/// save/load.</summary>
[Collection("ResNet18")]
public sealed class BackboneResNet18Tests
{
    private readonly ResNet18Fixture _fixture;

    public BackboneResNet18Tests(ResNet18Fixture fixture) => _fixture = fixture;

    private static Tensor RandomImages(int n, int size, int seed)
    {
        using var generator = new Generator((ulong)seed);
        return torch.rand(new long[] { n, 3, size, size }, generator: generator) * 255;
    }

    [Fact]
    public void LayerShapesAt256Pixels()
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var x = _fixture.Backbone.Preprocess(RandomImages(2, 256, 1));
        var layers = _fixture.Backbone.ForwardLayers(x, BackboneLayer.Layer2, BackboneLayer.Layer3,
            BackboneLayer.Layer4, BackboneLayer.Pool);
        Assert.Equal(new long[] { 2, 128, 32, 32 }, layers[BackboneLayer.Layer2].shape);
        Assert.Equal(new long[] { 2, 256, 16, 16 }, layers[BackboneLayer.Layer3].shape);
        Assert.Equal(new long[] { 2, 512, 8, 8 }, layers[BackboneLayer.Layer4].shape);
        Assert.Equal(new long[] { 2, 512 }, layers[BackboneLayer.Pool].shape);
        var expectedPool = layers[BackboneLayer.Layer4].mean(new long[] { 2, 3 });
        Assert.True(torch.allclose(expectedPool, layers[BackboneLayer.Pool]));
    }

    [Fact]
    public void AskingForLayer3RunsExactlyItsAncestorsAndFreesIntermediates()
    {
        var backbone = _fixture.Backbone;
        using var outer = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var x = backbone.Preprocess(RandomImages(1, 128, 2));

        IReadOnlyDictionary<BackboneLayer, Tensor> layers;
        int alive;
        using (var scope = torch.NewDisposeScope())
        {
            layers = backbone.ForwardLayers(x, BackboneLayer.Layer2, BackboneLayer.Layer3);
            // Every tensor made inside the scope and not yet disposed: only the two results may remain.
            alive = scope.DisposablesCount;
            scope.MoveToOuter(layers.Values);
        }
        Assert.Equal(2, alive);

        var executed = backbone.Module.LastExecutedNodes;
        var expected = AncestorNodes(_fixture.Model.Graph, "ReLU315_Output_0", "ReLU347_Output_0");
        Assert.Equal(expected.OrderBy(n => n), executed.OrderBy(n => n));
        Assert.DoesNotContain("Convolution349", executed);   // first conv of layer4
        Assert.DoesNotContain("ReLU393", executed);
        Assert.True(executed.Count < _fixture.Model.Graph.Node.Count);

        backbone.ForwardLayers(x, BackboneLayer.Pool);
        // all but the final AveragePool
        Assert.Equal(_fixture.Model.Graph.Node.Count - 1, backbone.Module.LastExecutedNodes.Count);
    }

    /// <summary>Node names the given values depend on, found by walking the ONNX graph backwards (independent of the
    /// module).</summary>
    private static HashSet<string> AncestorNodes(GraphProto graph, params string[] values)
    {
        var producer = graph.Node.SelectMany(n => n.Output.Select(o => (o, n))).ToDictionary(p => p.o, p => p.n);
        var result = new HashSet<string>();
        var stack = new Stack<string>(values);
        while (stack.Count > 0)
            if (producer.TryGetValue(stack.Pop(), out var node) && result.Add(node.Name))
                foreach (var i in node.Input) stack.Push(i);
        return result;
    }

    [Fact]
    public void StateDictRoundTripRestoresChangedWeights()
    {
        using var scope = torch.NewDisposeScope();
        using var changed = new OnnxGraphModule(_fixture.Model);
        changed.eval();
        var keys = changed.state_dict().Keys.ToHashSet();
        Assert.Contains("Convolution249.weight", keys);
        Assert.Contains("BatchNormalization251.running_var", keys);
        // One weight per Conv (no biases in this graph), five entries per BatchNorm (weight, bias, running_mean,
        // running_var, num_batches_tracked): nothing missing, nothing extra.
        int convs = _fixture.Model.Graph.Node.Count(n => n.OpType == "Conv");
        int norms = _fixture.Model.Graph.Node.Count(n => n.OpType == "BatchNormalization");
        Assert.Equal(convs + 5 * norms, keys.Count);

        using (torch.no_grad())
        using (var generator = new Generator(7))
        {
            foreach (var (_, t) in changed.state_dict())
                if (t.is_floating_point()) t.mul_(1 + 0.05 * torch.randn(t.shape, generator: generator));
        }
        var path = Path.Combine(Path.GetTempPath(), $"reb-backbone-{Guid.NewGuid():N}.bin");
        try
        {
            changed.save(path);
            using var fresh = new OnnxGraphModule(_fixture.Model);
            fresh.eval();
            using var noGrad = torch.no_grad();
            var x = _fixture.Backbone.Preprocess(RandomImages(1, 96, 3));
            var expected = changed.Forward(x, new[] { "ReLU347" })["ReLU347"];
            var before = fresh.Forward(x, new[] { "ReLU347" })["ReLU347"];
            Assert.True((before - expected).abs().max().item<float>() > 1e-2f,
                "The perturbation did not change the outputs; the test would prove nothing.");

            fresh.load(path);
            var after = fresh.Forward(x, new[] { "ReLU347" })["ReLU347"];
            Assert.Equal(0f, (after - expected).abs().max().item<float>());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TrainModeBackwardReachesConv1AndUpdatesBatchNormStatistics()
    {
        using var scope = torch.NewDisposeScope();
        using var backbone = RebBackbone.LoadDefault();
        var conv1 = backbone.Module.named_parameters().Single(p => p.name == "Convolution249.weight").parameter;
        var bn1Mean = backbone.Module.named_buffers().Single(b => b.name == "BatchNormalization251.running_mean")
            .buffer;
        var meanBefore = bn1Mean.clone();
        var x = backbone.Preprocess(RandomImages(2, 64, 4));

        backbone.Freeze();
        using (var frozen = backbone.ForwardLayers(x, BackboneLayer.Layer3)[BackboneLayer.Layer3])
            Assert.False(frozen.requires_grad);
        // eval mode leaves running statistics alone
        Assert.Equal(0f, (meanBefore - bn1Mean).abs().max().item<float>());

        backbone.Unfreeze();
        backbone.Train();
        Assert.True(backbone.IsTraining);
        var pooled = backbone.ForwardLayers(x, BackboneLayer.Pool)[BackboneLayer.Pool];
        var loss = pooled.pow(2).mean();
        loss.backward();

        var grad = conv1.grad;
        Assert.NotNull(grad);
        Assert.True(grad!.abs().sum().item<float>() > 0f);
        Assert.True(torch.isfinite(grad).all().item<bool>());
        Assert.True((meanBefore - bn1Mean).abs().max().item<float>() > 0f,
            "Train mode must update running statistics.");
        backbone.Eval();
        Assert.False(backbone.IsTraining);
    }

    [Fact]
    public void ResNet18MeansAreThePerChannelAveragesOfTheMeanImage()
    {
        var prepPath =
            Path.Combine(AppContext.BaseDirectory, "DnnImageModels", "ResNetPrepOnnx", "ResNetPreprocess.onnx");
        var prep = ModelProto.Parser.ParseFrom(File.ReadAllBytes(prepPath));
        var meanImage = prep.Graph.Initializer.Single(t => t.Name == "MeanImage");
        Assert.Equal(new long[] { 1, 3, 224, 224 }, meanImage.Dims);
        int plane = 224 * 224;
        for (int c = 0; c < 3; c++)
        {
            double sum = 0;
            for (int i = 0; i < plane; i++) sum += meanImage.FloatData[c * plane + i];
            Assert.Equal(sum / plane, BackboneSpec.ResNet18MeanBgr[c], 9);
        }
    }

    [Fact]
    public void PreprocessMatchesResNetPreprocessOnnxOnAverage()
    {
        // ResNetPreprocess.onnx subtracts a whole mean image; ours subtracts its per-channel averages. For a uniform
        // image the two agree once the ONNX output is averaged over pixels, which checks channel order and means.
        var prepPath =
            Path.Combine(AppContext.BaseDirectory, "DnnImageModels", "ResNetPrepOnnx", "ResNetPreprocess.onnx");
        var prep = ModelProto.Parser.ParseFrom(File.ReadAllBytes(prepPath));
        using var reference = new OnnxRuntimeReference(prep, Array.Empty<string>());
        float[] rgb = { 200f, 40f, 90f };
        int plane = 224 * 224;
        var image = new float[3 * plane];
        for (int c = 0; c < 3; c++) Array.Fill(image, rgb[c], c * plane, plane);
        var onnx = reference.Run(image, new long[] { 1, 3, 224, 224 }, "PreprocessedInput")["PreprocessedInput"].Data;

        using var scope = torch.NewDisposeScope();
        var mine = _fixture.Backbone.Preprocess(torch.tensor(image, new long[] { 1, 3, 224, 224 }));
        for (int c = 0; c < 3; c++)
        {
            double onnxAverage = onnx.Skip(c * plane).Take(plane).Average(v => (double)v);
            var channel = mine[0, c];
            Assert.Equal(channel.min().item<float>(), channel.max().item<float>());
            Assert.Equal(onnxAverage, channel[0, 0].item<float>(), 3);
        }
        Assert.Equal(90f - 103.06262f, mine[0, 0, 0, 0].item<float>(), 3); // channel 0 is blue
    }

    [Fact]
    public void MissingBuiltinModelNamesTheExpectedPath()
    {
        var empty = Directory.CreateTempSubdirectory("reb-no-models-");
        try
        {
            var e = Assert.Throws<FileNotFoundException>(() => RebBackbone.LoadDefault(empty.FullName));
            Assert.Contains(Path.Combine(empty.FullName, "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx"), e.Message);
        }
        finally
        {
            empty.Delete(recursive: true);
        }
    }

    [Fact]
    public void UnknownLayerNameIsReported()
    {
        var spec = BackboneSpec.ResNet18 with { ModelPath = _fixture.OnnxPath, Layer3 = "NoSuchNode" };
        var e = Assert.Throws<ArgumentException>(() => RebBackbone.Load(spec));
        Assert.Contains("Layer3", e.Message);
        Assert.Contains("NoSuchNode", e.Message);
    }
}
