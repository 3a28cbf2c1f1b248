using Reb.Core.Adaptation;
using Reb.Core.Backbones;
using Reb.Core.DefectMaker;
using Reb.Core.Features;
using Reb.Core.Pipeline;
using static TorchSharp.torch;

namespace Reb.Core.Tests.Adaptation;

/// <summary>The adaptation guard: a seeded, disjoint hold-out; and a decision that follows the synthetic-defect
/// figures.</summary>
public sealed class AdaptationGuardTests : IDisposable
{
    private readonly AdaptationTestData _data = new(imageCount: 16);

    private static AdaptationGuardOptions Options => new()
    {
        ValidationImages = 4, BankImages = 8, ImageSize = AdaptationTestData.Size, Seed = 3,
        DefectMaker = new DefectMakerOptions { Placement = Placement.Uniform },
    };

    [Fact]
    public void Split_is_seeded_disjoint_and_complete()
    {
        var (v1, o1) = AdaptationGuard.Split(_data.Images, Options);
        var (v2, o2) = AdaptationGuard.Split(_data.Images, Options);
        var (v3, _) = AdaptationGuard.Split(_data.Images, Options with { Seed = 4 });
        Assert.Equal(4, v1.Count);
        Assert.Equal(v1, v2);
        Assert.Equal(o1, o2);
        Assert.NotEqual(v1, v3);
        Assert.Empty(v1.Intersect(o1));
        Assert.Equal(_data.Images.Order(), v1.Concat(o1).Order());
    }

    [Fact]
    public void Split_holds_nothing_out_when_images_are_too_few()
    {
        var (v, o) = AdaptationGuard.Split(_data.Images.Take(7).ToList(), Options);
        Assert.Empty(v);
        Assert.Equal(7, o.Count);
    }

    [Fact]
    public void Guard_keeps_the_backbone_that_separates_synthetic_defects_better()
    {
        var (validation, others) = AdaptationGuard.Split(_data.Images, Options);
        using var good = new FeatureExtractor(Backbone.LoadDefault(), AdaptationTestData.Size);
        using var blurred =
            new NoisyEmbedder(new FeatureExtractor(Backbone.LoadDefault(), AdaptationTestData.Size), sigma: 50f);

        var rejected = AdaptationGuard.Judge(validation, others, good, blurred, Options);
        Assert.True(rejected.AdaptedAuroc < rejected.ImageNetAuroc, rejected.Explain());
        Assert.False(rejected.KeepAdapted);

        var kept = AdaptationGuard.Judge(validation, others, blurred, good, Options);
        Assert.Equal(rejected.ImageNetAuroc, kept.AdaptedAuroc, 6); // same embedder, same validation set: same figure
        Assert.True(kept.KeepAdapted, kept.Explain());
    }

    [Fact]
    public void Guard_does_not_keep_an_adaptation_that_changes_nothing()
    {
        var (validation, others) = AdaptationGuard.Split(_data.Images, Options);
        using var a = new FeatureExtractor(Backbone.LoadDefault(), AdaptationTestData.Size);
        using var b = new FeatureExtractor(Backbone.LoadDefault(), AdaptationTestData.Size);
        var verdict = AdaptationGuard.Judge(validation, others, a, b, Options);
        Assert.Equal(verdict.ImageNetAuroc, verdict.AdaptedAuroc, 6);
        Assert.False(verdict.KeepAdapted); // no gain is below the margin
    }

    public void Dispose() => _data.Dispose();

    /// <summary>A real backbone whose features are drowned in seeded Gaussian noise: a stand-in for a fine-tuning gone
    /// wrong.</summary>
    private sealed class NoisyEmbedder(FeatureExtractor inner, float sigma) : IPatchEmbedder
    {
        private readonly TorchSharp.torch.Generator _rng = new TorchSharp.torch.Generator(1234);
        public string Name => inner.Name + "+noise";
        public int ImageSize => inner.ImageSize;
        public int GridSize => inner.GridSize;
        public int Dim => inner.Dim;

        public Tensor Embed(Tensor images)
        {
            using var scope = NewDisposeScope();
            var f = inner.Embed(images);
            return (f + randn(f.shape, generator: _rng) * sigma).MoveToOuterDisposeScope();
        }

        public void Dispose() { inner.Dispose(); _rng.Dispose(); }
    }
}
