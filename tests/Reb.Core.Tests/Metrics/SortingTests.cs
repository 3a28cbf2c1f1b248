using Reb.Core.Metrics;

namespace Reb.Core.Tests.Metrics;

public class SortingTests
{
    [Fact]
    public void SortableKeysOrderLikeFloats()
    {
        float[] ordered =
            [float.NegativeInfinity, -1e30f, -1f, -float.Epsilon, 0f, float.Epsilon, 1f, 1e30f, float.PositiveInfinity];
        for (int i = 1; i < ordered.Length; i++)
            Assert.True(SortableFloat.ToKey(ordered[i - 1]) < SortableFloat.ToKey(ordered[i]),
                $"{ordered[i - 1]} < {ordered[i]}");
        Assert.Equal(SortableFloat.ToKey(0f), SortableFloat.ToKey(-0f));
        foreach (float f in ordered) Assert.Equal(f, SortableFloat.FromKey(SortableFloat.ToKey(f)));
    }

    [Fact]
    public void RadixSortMatchesArraySort()
    {
        var rng = new Random(5);
        foreach (int n in new[] { 0, 1, 2, 1000, 50_000 })
        {
            var values = new float[n];
            for (int i = 0; i < n; i++) values[i] = (float)((rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-5, 6)));
            if (n > 10) { values[0] = float.PositiveInfinity; values[1] = float.NegativeInfinity; values[2] = 0;
                values[3] = values[4]; }
            var keys = values.Select(SortableFloat.ToKey).ToArray();
            RadixSort.Sort(keys, new uint[n]);
            var expected = (float[])values.Clone();
            Array.Sort(expected);
            Assert.Equal(expected, keys.Select(SortableFloat.FromKey).ToArray());
        }
    }

    [Fact]
    public void SortByHigh32IsStableAndCarriesPayload()
    {
        var rng = new Random(9);
        var items = Enumerable.Range(0, 5000).Select(i => ((ulong)(uint)rng.Next(0, 50) << 32) | (uint)i).ToArray();
        var expected = items.OrderBy(x => x >> 32).ToArray(); // LINQ OrderBy is stable: payload order kept within ties
        RadixSort.SortByHigh32(items, new ulong[items.Length]);
        Assert.Equal(expected, items);
    }
}
