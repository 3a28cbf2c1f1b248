using Onnx;
using Reb.Core.Backbones;
using TorchSharp;
using RebBackbone = Reb.Core.Backbones.Backbone;
using static Reb.Core.Tests.Backbones.TinyOnnx;
using static TorchSharp.torch;

namespace Reb.Core.Tests.Backbones;

/// <summary>BackboneSpec JSON and a user's own ONNX backbone with its own layer names and normalisation.</summary>
public sealed class BackboneSpecTests
{
    [Fact]
    public void JsonRoundTripKeepsEveryField()
    {
        var spec = new BackboneSpec("/models/wrn50.onnx", "a", "b", "c", ChannelOrder.Rgb, 1.0,
            new[] { 0.485, 0.456, 0.406 }, new[] { 0.229, 0.224, 0.225 });
        var json = spec.ToJson();
        Assert.Contains("\"Rgb\"", json);
        var back = BackboneSpec.FromJson(json);
        Assert.Equal((spec.ModelPath, spec.Layer2, spec.Layer3, spec.Layer4, spec.InputChannelOrder, spec.InputRange),
            (back.ModelPath, back.Layer2, back.Layer3, back.Layer4, back.InputChannelOrder, back.InputRange));
        Assert.Equal(spec.Mean, back.Mean);
        Assert.Equal(spec.Std, back.Std);
    }

    [Fact]
    public void InvalidSpecNamesTheField()
    {
        var bad = BackboneSpec.ResNet18 with { Std = new[] { 1.0, 0.0, 1.0 } };
        var e = Assert.Throws<ArgumentException>(() => BackboneSpec.FromJson(bad.ToJson()));
        Assert.Contains("Std", e.Message);
    }

    [Fact]
    public void UserBackboneUsesItsLayerNamesAndNormalisation()
    {
        // Three chained Relu nodes stand in for a user's network; they pass normalised values through unchanged
        // where positive, which makes the normalisation visible in the layer outputs.
        var model = Model(FloatValue("image", 1, 3, 4, 4),
            new[]
            {
                Node("Relu", "stage2", new[] { "image" }, "s2"),
                Node("Relu", "stage3", new[] { "s2" }, "s3"),
                Node("Relu", "stage4", new[] { "s3" }, "s4"),
            },
            Array.Empty<TensorProto>(), new[] { "s4" });
        var path = Path.Combine(Path.GetTempPath(), $"reb-user-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, Google.Protobuf.MessageExtensions.ToByteArray(model));
        try
        {
            var spec = new BackboneSpec(path, "stage2", "s3", "stage4", ChannelOrder.Rgb, 1.0, new[] { 0.1, 0.2, 0.3 },
                new[] { 0.5, 0.25, 2.0 });
            using var backbone = RebBackbone.Load(spec);
            using var scope = torch.NewDisposeScope();
            var rgb = torch.tensor(new float[] { 255f, 51f, 0f }, new long[] { 1, 3, 1, 1 }).expand(2, 3, 4, 4)
                .contiguous();
            var x = backbone.Preprocess(rgb);
            float[] expected = { (1f - 0.1f) / 0.5f, (0.2f - 0.2f) / 0.25f, (0f - 0.3f) / 2f };
            for (int c = 0; c < 3; c++) Assert.Equal(expected[c], x[1, c, 3, 2].item<float>(), 5);

            var layers = backbone.ForwardLayers(x, BackboneLayer.Layer3, BackboneLayer.Pool);
            Assert.Equal(new[] { BackboneLayer.Layer3, BackboneLayer.Pool }, layers.Keys.OrderBy(k => k));
            Assert.Equal(1.8f, layers[BackboneLayer.Layer3][0, 0, 0, 0].item<float>(), 5);
            Assert.Equal(0f, layers[BackboneLayer.Layer3][0, 2, 0, 0].item<float>());
            Assert.Equal(new long[] { 2, 3 }, layers[BackboneLayer.Pool].shape);
            Assert.Equal(new[] { "stage2", "stage3", "stage4" }, backbone.Module.LastExecutedNodes);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
