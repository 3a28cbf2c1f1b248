using Reb.Abstractions.Contracts;

namespace Reb.Cluster.Tests.Training;

/// <summary>The one set of training-request limits: every broken one is named, a valid request passes.</summary>
public sealed class TrainingRulesTests
{
    private static TrainingRequest Valid => new() { Line = "pcb", ImageKeys = ["a.png"] };

    [Fact]
    public void The_defaults_pass() => Assert.Empty(TrainingRules.Check(Valid));

    [Fact]
    public void Every_broken_limit_is_named()
    {
        var bad = Valid with { ImageSize = 60_000, K = 0, FitShards = 65, CoresetRatio = 0, Adapt = "magic", AdaptGuard = "maybe",
            Resize = "stretch", BatchSize = 0 };
        var errors = TrainingRules.Check(bad);
        Assert.Equal(8, errors.Count);
        Assert.Contains("imageSize must be in 32..1024, got 60000", errors);
        Assert.Contains("fitShards must be in 1..64, got 65", errors);
        Assert.Contains("adapt must be 'none' or 'defectmaker', got 'magic'", errors);
        Assert.Contains("resize must be 'square', 'aspect' or 'auto', got 'stretch'", errors);
    }

    [Fact]
    public void A_job_without_images_is_refused_by_the_grain_rule()
    {
        var e = Assert.Throws<ArgumentException>(() => TrainingRules.Validate(Valid with { ImageKeys = [] }, "job j1"));
        Assert.StartsWith("job j1: no training images", e.Message);
    }
}
