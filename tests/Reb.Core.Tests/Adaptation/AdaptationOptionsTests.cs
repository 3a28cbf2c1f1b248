using Reb.Core.Adaptation;
using Reb.Core.DefectMaker;

namespace Reb.Core.Tests.Adaptation;

public class AdaptationOptionsTests
{
    [Fact]
    public void ReferenceBudgetIsThePapersRecipe()
    {
        var r = AdaptationOptions.ForBudget("reference");
        Assert.Equal((300, 48, 3, 39, 330),
            (r.Steps, r.SourcesPerPass, r.PassesPerStep, r.FrozenSteps, r.ScheduleSteps));
        Assert.Equal(1008, r.ImagesPerStep);
        Assert.Equal((0.03, 1e-5, 0.9, 3e-5, 256),
            (r.LearningRate, r.MinLearningRate, r.Momentum, r.WeightDecay, r.ImageSize));
        Assert.Equal("reference", r.Budget);
    }

    [Fact]
    public void CpuBudgetScalesTheFrozenPhaseAndScheduleWithItsSteps()
    {
        var c = AdaptationOptions.ForBudget("CPU");
        var r = AdaptationOptions.Reference;
        Assert.Equal("cpu", c.Budget);
        Assert.True(c.Steps * c.ImagesPerStep < r.Steps * r.ImagesPerStep / 100.0);
        Assert.InRange((double)c.FrozenSteps / c.Steps, (double)r.FrozenSteps / r.Steps - 0.02,
            (double)r.FrozenSteps / r.Steps + 0.02);
        Assert.Equal((double)r.ScheduleSteps / r.Steps, (double)c.ScheduleSteps / c.Steps, 2);
        Assert.Equal((r.LearningRate, r.Momentum, r.WeightDecay, r.ImageSize),
            (c.LearningRate, c.Momentum, c.WeightDecay, c.ImageSize));
        c.Validate();
        r.Validate();
    }

    [Fact]
    public void BadOptionsNameTheField()
    {
        var e = Assert.Throws<ArgumentException>(() => AdaptationOptions.ForBudget("gpu"));
        Assert.Contains("cpu", e.Message);
        var f = Assert.Throws<ArgumentOutOfRangeException>(() => (AdaptationOptions.Cpu with { FrozenSteps = 31 })
            .Validate());
        Assert.Equal(nameof(AdaptationOptions.FrozenSteps), f.ParamName);
        var g = Assert.Throws<ArgumentOutOfRangeException>(() => (AdaptationOptions.Cpu with { MinLearningRate = 1 })
            .Validate());
        Assert.Equal(nameof(AdaptationOptions.MinLearningRate), g.ParamName);
    }

    [Fact]
    public void RecordJsonRoundTripKeepsTheRecipeIncludingTupleRanges()
    {
        var options = AdaptationOptions.Cpu with
        {
            Seed = 42,
            DefectMaker = new DefectMakerOptions { Placement = Placement.Uniform, ClumpAlphaScale = (0.25, 0.75) },
        };
        var record = new AdaptationRecord("cpu", options, 42, 100, [0.7, 0.5], [0.1, 0.4], 12.5, 2, []);
        var json = record.ToJson();
        Assert.Contains("\"Uniform\"", json);
        var back = AdaptationRecord.FromJson(json);
        Assert.Equal(record.LossCurve, back.LossCurve);
        Assert.Equal(record.AccuracyCurve, back.AccuracyCurve);
        Assert.Equal((0.25, 0.75), back.Options.DefectMaker.ClumpAlphaScale);
        Assert.Equal(Placement.Uniform, back.Options.DefectMaker.Placement);
        Assert.Equal(options.Backbone.ToJson(), back.Options.Backbone.ToJson());
        Assert.Equal((42, 30, 4, 33, 100, 2), (back.Seed, back.Options.Steps, back.Options.FrozenSteps,
            back.Options.ScheduleSteps, back.ImageCount, back.StepsDone));
        Assert.Throws<InvalidDataException>(() => AdaptationRecord.FromJson("{ not json"));
    }
}
