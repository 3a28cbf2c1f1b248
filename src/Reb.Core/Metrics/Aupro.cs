namespace Reb.Core.Metrics;

/// <summary>Area under the PRO curve (MVTec AD definition); see <see cref="AuproAccumulator"/> for the
/// details.</summary>
public static class Aupro
{
    /// <summary>
    /// AUPRO of row-major <paramref name="maps"/> against <paramref name="masks"/> (true = defect), every image
    /// <paramref name="width"/> x <paramref name="height"/>, integrated up to <paramref name="maxFpr"/> and divided by
    /// it. </summary>
    public static double Compute(IReadOnlyList<float[]> maps, IReadOnlyList<bool[]> masks, int width, int height,
        double maxFpr = 0.3)
    {
        ArgumentNullException.ThrowIfNull(maps);
        ArgumentNullException.ThrowIfNull(masks);
        if (maps.Count != masks.Count)
            throw new ArgumentException($"{maps.Count} maps but {masks.Count} masks; there must be one mask per map",
                nameof(masks));
        var accumulator = new AuproAccumulator();
        for (int i = 0; i < maps.Count; i++)
            accumulator.Add(maps[i] ?? throw new ArgumentNullException($"maps[{i}]"),
                masks[i] ?? throw new ArgumentNullException($"masks[{i}]"), width, height);
        return accumulator.Compute(maxFpr);
    }
}
