using Onnx;
using Reb.Core.Backbones;
using RebBackbone = Reb.Core.Backbones.Backbone;

namespace Reb.Core.Tests.Backbones;

/// <summary>The offline ResNet18, parsed once and shared by the tests of the "ResNet18" collection.</summary>
public sealed class ResNet18Fixture : IDisposable
{
    public ResNet18Fixture()
    {
        OnnxPath = RebBackbone.ResolveModelPath(BackboneSpec.ResNet18);
        Model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(OnnxPath));
        Backbone = RebBackbone.LoadDefault();
    }

    public string OnnxPath { get; }

    /// <summary>The parsed graph (read-only by convention: tests clone before changing it).</summary>
    public ModelProto Model { get; }

    /// <summary>A shared backbone in eval mode; tests that train or change weights build their own.</summary>
    public RebBackbone Backbone { get; }

    public void Dispose() => Backbone.Dispose();
}

[CollectionDefinition("ResNet18")]
public sealed class ResNet18Collection : ICollectionFixture<ResNet18Fixture> { }
