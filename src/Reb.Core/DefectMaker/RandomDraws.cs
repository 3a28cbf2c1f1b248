namespace Reb.Core.DefectMaker;

/// <summary>The few distributions the method needs, all drawn from the one caller-given generator so a run is
/// reproducible from its seed (System.Random with a seed is a fixed algorithm in .NET).</summary>
public static class RandomDraws
{
    /// <summary>Uniform in [low, high).</summary>
    public static double Uniform(this Random rng, double low, double high) => low + (high - low) * rng.NextDouble();

    /// <summary>exp(U(-ln maxRatio, ln maxRatio)): a ratio log-uniform in [1/maxRatio, maxRatio].</summary>
    public static double LogUniformRatio(this Random rng, double maxRatio)
    {
        double l = Math.Log(maxRatio);
        return Math.Exp(rng.Uniform(-l, l));
    }

    /// <summary>Uniform integer in [low, high] (both inclusive, like Python's random.randint).</summary>
    public static int IntInclusive(this Random rng, int low, int high) => rng.Next(low, high + 1);

    public static T Choice<T>(this Random rng, IReadOnlyList<T> items) => items[rng.Next(items.Count)];
}
