using Reb.Core.Adaptation;
using static TorchSharp.torch;

namespace Reb.Core.Tests.Adaptation;

public class CosineScheduleTests
{
    [Fact]
    public void ReferenceScheduleHasItsKeyValues()
    {
        var o = AdaptationOptions.Reference;
        Assert.Equal(0.03, CosineSchedule.LearningRate(1, o), 15);
        // Half way through T = 330 (step 166 uses t = 165): the mean of both ends.
        Assert.Equal((0.03 + 1e-5) / 2, CosineSchedule.LearningRate(166, o), 15);
        // Step T + 1 would reach the minimum exactly; the last step (300) is still above it.
        Assert.Equal(1e-5, CosineSchedule.LearningRate(331, o), 15);
        Assert.True(CosineSchedule.LearningRate(300, o) > 1e-5 + 1e-4);
        for (int s = 1; s < 300; s++)
            Assert.True(CosineSchedule.LearningRate(s + 1, o) < CosineSchedule.LearningRate(s, o));
    }

    [Fact]
    public void MatchesTorchSharpsCosineAnnealingSchedulerStepForStep()
    {
        // TorchSharp's CosineAnnealingLR computes the same curve by recurrence; ours is the closed form.
        using var p = new TorchSharp.Modules.Parameter(zeros(1));
        using var sgd = optim.SGD([p], 0.03);
        var scheduler = optim.lr_scheduler.CosineAnnealingLR(sgd, 330, 1e-5);
        for (int step = 1; step <= 300; step++)
        {
            double torchLr = sgd.ParamGroups.First().LearningRate;
            Assert.Equal(torchLr, CosineSchedule.LearningRate(step, 0.03, 1e-5, 330), 10);
            sgd.step();
            scheduler.step();
        }
    }

    [Fact]
    public void StepsAreCountedFromOne()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CosineSchedule.LearningRate(0, 0.03, 0, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => CosineSchedule.LearningRate(1, 0.03, 0, 0));
    }
}
