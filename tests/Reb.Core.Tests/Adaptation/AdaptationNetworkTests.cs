using Reb.Core.Adaptation;
using Reb.Core.DefectMaker;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using RebBackbone = Reb.Core.Backbones.Backbone;

namespace Reb.Core.Tests.Adaptation;

public class AdaptationNetworkTests
{
    [Fact]
    public void HeadHasSectionFiveShapesAndNamedSubmodules()
    {
        using var backbone = RebBackbone.LoadDefault();
        using var gen = new Generator(1);
        using var net = new AdaptationNetwork(backbone, initGenerator: gen);
        Assert.Equal(512, net.FeatureWidth);
        Assert.Equal(7, AdaptationNetwork.ClassCount);

        var children = net.Head.named_children().ToList();
        Assert.Equal(new[] { "fc1", "bn1", "relu1", "fc2", "bn2", "relu2", "out" }, children.Select(c => c.name));
        var linears = children.Select(c => c.module).OfType<Linear>()
            .Select(l => (In: l.weight!.shape[1], Out: l.weight.shape[0])).ToList();
        Assert.Equal(new[] { (512L, 512L), (512L, 256L), (256L, 7L) }, linears);
        Assert.Equal(2, children.Count(c => c.module is BatchNorm1d));

        var keys = net.state_dict().Keys.ToList();
        Assert.Contains("head.fc1.weight", keys);
        Assert.Contains("head.bn2.running_var", keys);
        Assert.Contains("head.out.bias", keys);
        Assert.Contains(keys, k => k.StartsWith("backbone.", StringComparison.Ordinal)
            && k.EndsWith(".running_mean", StringComparison.Ordinal));
        // Every backbone parameter is part of the network, so one optimizer over net.parameters() fine-tunes both.
        Assert.Equal(backbone.Parameters().Count() + net.HeadParameters().Count(), net.parameters().Count());

        using var scope = NewDisposeScope();
        net.SetBackboneFrozen(true);
        var logits = net.forward(backbone.Preprocess(rand(5, 3, 64, 64).mul(255)));
        Assert.Equal(new long[] { 5, 7 }, logits.shape);
    }

    [Fact]
    public void HeadInitialisationFollowsTheGeneratorSeed()
    {
        using var backbone = RebBackbone.LoadDefault();
        Tensor Fc1(ulong seed)
        {
            using var gen = new Generator(seed);
            using var net = new AdaptationNetwork(backbone, initGenerator: gen);
            return ((Linear)net.Head.named_children().First().module).weight!.detach().clone();
        }
        using var a = Fc1(3);
        using var b = Fc1(3);
        using var c = Fc1(4);
        Assert.True(Reb.Core.Tests.DefectMaker.TensorAssert.Same(a, b));
        Assert.False(Reb.Core.Tests.DefectMaker.TensorAssert.Same(a, c));
        // PyTorch's default Linear range: |w| <= 1/sqrt(fan_in).
        Assert.True(a.abs().max().item<float>() <= 1 / MathF.Sqrt(512) + 1e-7f);
    }

    [Fact]
    public void FrozenPhaseTrainsTheHeadOnlyAndLeavesBackboneWeightsAndBatchNormStatistics()
    {
        using var data = new AdaptationTestData();
        using var sampler = data.Sampler();
        using var backbone = RebBackbone.LoadDefault();
        using var gen = new Generator(2);
        using var net = new AdaptationNetwork(backbone, initGenerator: gen);
        using var sgd = optim.SGD(net.parameters(), 0.03, momentum: 0.9, weight_decay: 3e-5);
        using var batch = sampler.MakeBatch([0, 1], new Random(1), new Augmentation());

        var backboneBefore = AdaptationTestData.Snapshot(backbone.Module);
        var headBefore = AdaptationTestData.Snapshot(net.Head);
        net.SetBackboneFrozen(true);
        Assert.False(backbone.IsTraining);
        AdaptationTrainer.OptimizerStep(net, sgd, [batch], 0.03);
        AdaptationTrainer.OptimizerStep(net, sgd, [batch], 0.03);

        Assert.Empty(AdaptationTestData.Differences(backboneBefore, AdaptationTestData.Snapshot(backbone.Module)));
        Assert.All(backbone.Parameters(), p => Assert.Null(p.grad));
        var headChanged = AdaptationTestData.Differences(headBefore, AdaptationTestData.Snapshot(net.Head));
        Assert.Contains("fc1.weight", headChanged);
        Assert.Contains("out.bias", headChanged);
        Assert.Contains("bn1.running_mean", headChanged); // the head's BatchNorm is in train mode
    }

    [Fact]
    public void UnfrozenPhaseChangesBackboneWeightsAndBatchNormStatistics()
    {
        using var data = new AdaptationTestData();
        using var sampler = data.Sampler();
        using var backbone = RebBackbone.LoadDefault();
        using var gen = new Generator(2);
        using var net = new AdaptationNetwork(backbone, initGenerator: gen);
        using var sgd = optim.SGD(net.parameters(), 0.03, momentum: 0.9, weight_decay: 3e-5);
        using var batch = sampler.MakeBatch([0, 1], new Random(1), new Augmentation());

        var before = AdaptationTestData.Snapshot(backbone.Module);
        net.SetBackboneFrozen(false);
        Assert.True(backbone.IsTraining);
        AdaptationTrainer.OptimizerStep(net, sgd, [batch], 0.03);
        var changed = AdaptationTestData.Differences(before, AdaptationTestData.Snapshot(backbone.Module));

        var conv1 = backbone.Module.named_parameters().First().name; // the first convolution's weight
        Assert.Contains(conv1, changed);
        Assert.Contains(changed, k => k.EndsWith(".running_mean", StringComparison.Ordinal));
        Assert.Contains(changed,
            k => k.EndsWith(".weight", StringComparison.Ordinal) && !k.StartsWith(conv1, StringComparison.Ordinal));
    }

    [Fact]
    public void DisposingTheNetworkLeavesTheBackboneUsable()
    {
        using var backbone = RebBackbone.LoadDefault();
        var net = new AdaptationNetwork(backbone);
        net.Dispose();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var pooled = backbone.ForwardLayers(backbone.Preprocess(zeros(1, 3, 64, 64)),
            Reb.Core.Backbones.BackboneLayer.Pool)[Reb.Core.Backbones.BackboneLayer.Pool];
        Assert.Equal(new long[] { 1, 512 }, pooled.shape);
    }
}
