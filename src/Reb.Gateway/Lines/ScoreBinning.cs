namespace Reb.Gateway.Lines;

/// <summary>
/// The binning behind the score plots, pure so the API tests can check counts exactly: one set of equal-width bin
/// edges shared by every series of the histogram (so bars stack and compare), and score quantiles per time bucket.
/// </summary>
public static class ScoreBinning
{
    /// <summary><paramref name="bins"/> + 1 equal-width edges covering every value and the threshold.</summary>
    public static double[] Edges(IEnumerable<double> values, double? threshold, int bins)
    {
        if (bins < 1) throw new ArgumentOutOfRangeException(nameof(bins), bins, "bins must be >= 1");
        var all = values.Where(double.IsFinite).ToList();
        if (threshold is { } t && double.IsFinite(t)) all.Add(t);
        double lo = all.Count == 0 ? 0 : all.Min(), hi = all.Count == 0 ? 1 : all.Max();
        if (hi <= lo) hi = lo + (lo == 0 ? 1 : Math.Abs(lo) * 0.1);
        // A little headroom so the largest value falls inside the last bin, not on its closing edge.
        hi += (hi - lo) * 1e-9;
        return Enumerable.Range(0, bins + 1).Select(i => lo + (hi - lo) * i / bins).ToArray();
    }

    /// <summary>Counts per bin [edge_i, edge_i+1); values outside the edges are clamped into the first or last
    /// bin.</summary>
    public static int[] Count(IEnumerable<double> values, double[] edges)
    {
        int bins = edges.Length - 1;
        var counts = new int[bins];
        double lo = edges[0], width = (edges[^1] - edges[0]) / bins;
        foreach (var v in values)
        {
            if (!double.IsFinite(v)) continue;
            counts[Math.Clamp((int)Math.Floor((v - lo) / width), 0, bins - 1)]++;
        }
        return counts;
    }

    /// <summary>The q-quantile of ascending values, linearly interpolated between order statistics (R's type
    /// 7).</summary>
    public static double Quantile(IReadOnlyList<double> sorted, double q)
    {
        if (sorted.Count == 0) throw new ArgumentException("no values", nameof(sorted));
        double h = (sorted.Count - 1) * q;
        int i = (int)Math.Floor(h);
        return i + 1 >= sorted.Count ? sorted[^1] : sorted[i] + (h - i) * (sorted[i + 1] - sorted[i]);
    }
}
