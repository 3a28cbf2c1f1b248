using System.Net;
using Reb.Core.Backbones;
using Reb.Core.Models;
using Reb.Gateway.Access;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Security;

/// <summary>
/// The backbone's ONNX path came from the manifest and was not among the checksummed files: a published model could
/// point the silo's ONNX parser at any file on the silo, outside the content address. Now a model's backbone is
/// either built in or a plain-named file of the model that its manifest checksums, loaded from the model's folder.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class Finding05_BackboneOutsideModelTests(GatewayFixture gateway)
{
    private static string SpecAt(string modelPath) => (BackboneSpec.ResNet18 with { ModelPath = modelPath }).ToJson();

    [Fact]
    public async Task A_backbone_path_to_a_file_on_the_silo_is_refused_and_claims_nothing()
    {
        // A real ONNX file on the silo (the built-in ResNet18 by its absolute path): it parses, so only the rule
        // refuses it.
        var onSilo = Backbone.ResolveModelPath(BackboneSpec.ResNet18);
        Assert.True(File.Exists(onSilo));
        foreach (var path in new[] { onSilo, "../" + Path.GetFileName(onSilo) })
        {
            var line = "sec-f05-" + Guid.NewGuid().ToString("N")[..8];
            var dir =
                TamperedModels.Make(gateway, m => m with { Backbone = m.Backbone with { SpecJson = SpecAt(path) } });
            using var engineer = gateway.Client(await SecurityHelpers.KeyAsync(gateway, "sec-f05", Roles.Engineer));
            using var r = await engineer.PostAsync($"api/lines/{line}/versions", TamperedModels.Form(dir));
            Assert.Contains("backbone model file", await r.AssertProblem(400));
            Assert.Null(await TamperedModels.OwnerAsync(gateway, line));
        }
    }

    [Fact]
    public async Task A_backbone_file_the_manifest_does_not_checksum_is_refused()
    {
        var line = "sec-f05-unlisted";
        var onnx = Backbone.ResolveModelPath(BackboneSpec.ResNet18);
        // The file travels with the upload but is not in the file list: outside the content address.
        var dir = TamperedModels.Make(gateway,
            m => m with { Backbone = m.Backbone with { SpecJson = SpecAt(ModelStore.BackboneOnnxFile) } },
            d => File.Copy(onnx, Path.Combine(d, ModelStore.BackboneOnnxFile)));
        using var engineer = gateway.Client(await SecurityHelpers.KeyAsync(gateway, "sec-f05", Roles.Engineer));
        using var r = await engineer.PostAsync($"api/lines/{line}/versions", TamperedModels.Form(dir));
        Assert.Contains("not among the manifest's checksummed files", await r.AssertProblem(400));
        Assert.Null(await TamperedModels.OwnerAsync(gateway, line));
    }

    [Fact]
    public async Task A_checksummed_backbone_inside_the_model_is_published_and_loads_from_the_models_folder()
    {
        var line = "sec-f05-own-backbone";
        var onnx = Backbone.ResolveModelPath(BackboneSpec.ResNet18);
        var entry = TensorFiles.Describe(onnx);
        var dir = TamperedModels.Make(gateway, m => m with
        {
            Backbone = m.Backbone with { SpecJson = SpecAt(ModelStore.BackboneOnnxFile) },
            Files = m.Files.With(ModelStore.BackboneOnnxFile, entry),
        }, d => File.Copy(onnx, Path.Combine(d, ModelStore.BackboneOnnxFile)));
        using var engineer = gateway.Client(await SecurityHelpers.KeyAsync(gateway, "sec-f05", Roles.Engineer));
        using var r = await engineer.PostAsync($"api/lines/{line}/versions", TamperedModels.Form(dir));
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var version = ModelDirectory.ReadManifest(dir).Version;
        // What a silo does with it: fetch the verified copy and load the backbone from that copy's folder.
        var copy = await gateway.Store.FetchModelAsync(version, Path.Combine(gateway.Work, "f05-cache"));
        using var fx = ModelStore.LoadEmbedder(copy, ModelDirectory.ReadManifest(copy));
        Assert.Equal(Path.Combine(copy, ModelStore.BackboneOnnxFile), fx.Backbone.Spec.ModelPath);
        Assert.Equal(ModelDirectory.ReadManifest(dir).Features.GridSize, fx.GridSize);
    }
}
