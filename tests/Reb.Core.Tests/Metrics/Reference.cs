namespace Reb.Core.Tests.Metrics;

/// <summary>Slow, literal implementations of the metric definitions, used only to check the fast ones.</summary>
internal static class Reference
{
    /// <summary>AUROC as the fraction of (positive, negative) pairs ranked correctly, ties 1/2.</summary>
    public static double PairCountAuroc(IReadOnlyList<float> scores, IReadOnlyList<bool> labels)
    {
        double wins = 0; long pairs = 0;
        for (int i = 0; i < scores.Count; i++)
        {
            if (!labels[i]) continue;
            for (int j = 0; j < scores.Count; j++)
            {
                if (labels[j]) continue;
                pairs++;
                if (scores[i] > scores[j]) wins += 1;
                else if (scores[i] == scores[j]) wins += 0.5;
            }
        }
        return wins / pairs;
    }

    /// <summary>
    /// AUPRO by the textbook recipe: for every distinct score t (descending), PRO(t) = mean over regions of the
    /// fraction of the region's pixels >= t, FPR(t) = fraction of normal pixels >= t; curve (0,0)..(1,1);
    /// trapezoid up to maxFpr with linear interpolation; divided by maxFpr. Quadratic, tiny inputs only.
    /// regionOfPixel: per image, per pixel, -1 = normal, else a global region index.
    /// </summary>
    public static double Aupro(IReadOnlyList<float[]> maps, IReadOnlyList<int[]> regionOfPixel, int regionCount,
        double maxFpr)
    {
        var all = new List<(float Score, int Region)>();
        for (int m = 0; m < maps.Count; m++)
            for (int i = 0; i < maps[m].Length; i++) all.Add((maps[m][i], regionOfPixel[m][i]));
        var sizes = new int[regionCount];
        int normal = 0;
        foreach (var p in all) if (p.Region >= 0) sizes[p.Region]++; else normal++;

        var xs = new List<double> { 0 };
        var ys = new List<double> { 0 };
        foreach (float t in all.Select(p => p.Score).Distinct().OrderByDescending(s => s))
        {
            var above = new int[regionCount];
            int fp = 0;
            foreach (var p in all.Where(p => p.Score >= t)) if (p.Region >= 0) above[p.Region]++; else fp++;
            xs.Add((double)fp / normal);
            ys.Add(Enumerable.Range(0, regionCount).Average(r => (double)above[r] / sizes[r]));
        }
        xs.Add(1); ys.Add(1);

        double area = 0;
        for (int i = 1; i < xs.Count; i++)
        {
            if (xs[i] <= maxFpr) { area += 0.5 * (ys[i] + ys[i - 1]) * (xs[i] - xs[i - 1]); continue; }
            if (xs[i - 1] < maxFpr)
            {
                double y = ys[i - 1] + (ys[i] - ys[i - 1]) * (maxFpr - xs[i - 1]) / (xs[i] - xs[i - 1]);
                area += 0.5 * (y + ys[i - 1]) * (maxFpr - xs[i - 1]);
            }
            break;
        }
        return area / maxFpr;
    }
}
