using Reb.Core.Adaptation;
using Reb.Core.Backbones;
using RebBackbone = Reb.Core.Backbones.Backbone;

namespace Reb.Core.Tests.Adaptation;

/// <summary>The gentler recipes change only what they say they change, and stay deterministic per seed.</summary>
public class AdaptationRecipeTests
{
    [Theory]
    [InlineData("gentle-keep")]
    [InlineData("layer3")]
    public void RecipeKeepsTheStemToLayer2AndEveryBatchNormExactlyAndStillAdaptsLayer3(string recipe)
    {
        using var data = new AdaptationTestData();
        using var sampler = data.Sampler();
        using var backbone = RebBackbone.LoadDefault();
        var before = AdaptationTestData.Snapshot(backbone.Module);
        var o = AdaptationTestData.TinyOptions(steps: 2).WithRecipe(recipe);
        var record = AdaptationTrainer.Train(backbone, sampler, o);
        Assert.Equal(recipe, record.Options.Recipe);

        var changed = AdaptationTestData.Differences(before, AdaptationTestData.Snapshot(backbone.Module)).ToHashSet();
        var downstream = backbone.Module.WeightModulesAfter(backbone.Spec.LayerName(BackboneLayer.Layer2))
            .Select(m => m.Name).ToHashSet();
        var batchNorms = backbone.Module.named_children().Where(c => c.module is TorchSharp.Modules.BatchNorm2d)
            .Select(c => c.name).ToHashSet();
        Assert.NotEmpty(downstream);
        Assert.NotEmpty(batchNorms);
        // Nothing upstream of layer2's output moved, no BatchNorm moved (weights, biases, running statistics).
        Assert.All(changed, name =>
        {
            var module = name[..name.IndexOf('.')];
            Assert.Contains(module, downstream);
            Assert.DoesNotContain(module, batchNorms);
        });
        // ...and layer3's convolutions did learn.
        Assert.Contains(changed, name => downstream.Contains(name[..name.IndexOf('.')]));
    }

    [Fact]
    public void EachRecipeIsDeterministicPerSeedAndTheRecipesDiffer()
    {
        using var data = new AdaptationTestData();
        var o = AdaptationTestData.TinyOptions(steps: 2, seed: 3);
        using var a = AdaptationTrainer.Adapt(data.Images, o.WithRecipe("gentle-keep"));
        using var b = AdaptationTrainer.Adapt(data.Images, o.WithRecipe("gentle-keep"));
        using var c = AdaptationTrainer.Adapt(data.Images, o.WithRecipe("reference"));
        Assert.Empty(AdaptationTestData.Differences(AdaptationTestData.Snapshot(a.Backbone.Module),
            AdaptationTestData.Snapshot(b.Backbone.Module)));
        Assert.NotEmpty(AdaptationTestData.Differences(AdaptationTestData.Snapshot(a.Backbone.Module),
            AdaptationTestData.Snapshot(c.Backbone.Module)));
        // The recipe travels with the record (and so with the model).
        Assert.Equal("gentle-keep", AdaptationRecord.FromJson(a.Record.ToJson()).Options.Recipe);
        Assert.Equal(BackboneLayer.Layer2, AdaptationRecord.FromJson(a.Record.ToJson()).Options.FixedThrough);
    }

    [Fact]
    public void AutoPicksLayer3AtTheCpuBudgetAndThePapersRecipeAtItsOwnBudget()
    {
        Assert.Equal("auto", AdaptationOptions.DefaultRecipe);
        var cpu = AdaptationOptions.ForBudget("cpu").WithRecipe("auto");
        Assert.Equal("layer3", cpu.Recipe);
        Assert.Equal((BackboneLayer?)BackboneLayer.Layer2, cpu.FixedThrough);
        Assert.True(cpu.FreezeBatchNorm);
        Assert.Equal(1.0, cpu.BackboneLearningRateScale);
        Assert.Equal(0.0, cpu.FeatureKeepWeight);
        Assert.Equal("layer3", AdaptationOptions.ForBudget("smoke").WithRecipe("auto").Recipe);
        var reference = AdaptationOptions.ForBudget("reference").WithRecipe("auto");
        Assert.Equal("reference", reference.Recipe);
        Assert.Null(reference.FixedThrough);
        Assert.False(reference.FreezeBatchNorm);
    }

    [Fact]
    public void UnknownRecipesAndBadRecipeFieldsAreRefusedByName()
    {
        var e = Assert.Throws<ArgumentException>(() => AdaptationOptions.Cpu.WithRecipe("fancy"));
        Assert.Contains("gentle-keep", e.Message);
        var bad = Assert.Throws<ArgumentOutOfRangeException>(()
            => (AdaptationOptions.Cpu with { FeatureKeepWeight = -1 }).Validate());
        Assert.Contains(nameof(AdaptationOptions.FeatureKeepWeight), bad.Message);
    }
}

/// <summary>The device path of the trainer (what a GPU silo runs), taken on the CPU: the same weights as without
/// it.</summary>
public class AdaptationDeviceTests
{
    [Fact]
    public void TrainingThroughTheDevicePathGivesBitwiseTheSameBackboneBackOnTheCpu()
    {
        using var data = new AdaptationTestData();
        var o = AdaptationTestData.TinyOptions(steps: 2, seed: 4).WithRecipe("gentle-keep");
        using var plain = AdaptationTrainer.Adapt(data.Images, o);
        using var viaDevice = AdaptationTrainer.Adapt(data.Images, o, device: TorchSharp.torch.CPU);
        Assert.Equal(plain.Record.LossCurve, viaDevice.Record.LossCurve);
        Assert.Empty(AdaptationTestData.Differences(AdaptationTestData.Snapshot(plain.Backbone.Module),
            AdaptationTestData.Snapshot(viaDevice.Backbone.Module)));
        Assert.All(viaDevice.Backbone.Parameters(), p => Assert.Equal(TorchSharp.DeviceType.CPU, p.device_type));
    }
}
