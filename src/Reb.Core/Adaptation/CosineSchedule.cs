namespace Reb.Core.Adaptation;

/// <summary>
/// Cosine annealing stepped once per optimiser step, as PyTorch's CosineAnnealingLR(T_max, eta_min) in closed form:
/// step s (1-based) uses lr = min + (max - min) * (1 + cos(pi * (s - 1) / T)) / 2. Step 1 uses the full rate;
/// the rate would reach the minimum at step T + 1. Closed form, so a resumed run needs no scheduler state.
/// </summary>
public static class CosineSchedule
{
    /// <summary>Learning rate of optimiser step <paramref name="step"/> (1-based).</summary>
    public static double LearningRate(int step, double max, double min, int scheduleSteps)
    {
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), step, "steps are counted from 1");
        if (scheduleSteps < 1)
            throw new ArgumentOutOfRangeException(nameof(scheduleSteps), scheduleSteps, "must be at least 1");
        return min + (max - min) * (1 + Math.Cos(Math.PI * (step - 1) / scheduleSteps)) / 2;
    }

    /// <summary>Learning rate of optimiser step <paramref name="step"/> under the given options.</summary>
    public static double LearningRate(int step, AdaptationOptions o)
        => LearningRate(step, o.LearningRate, o.MinLearningRate, o.ScheduleSteps);
}
