namespace Reb.Core.DefectMaker;

/// <summary>
/// The closed Bezier outline of section 4: n integer points uniform in a 100x100 box, sorted by angle around their
/// centroid, joined by cubic segments whose control points come from the midpoints of the neighbouring edges shifted
/// through the vertex and pulled toward it by k. Each segment is, with probability 1/2, kept straight (only its start
/// point is emitted) or sampled at 12 parameter values (the reference's 10 inserted points plus the two ends).
/// </summary>
public static class BezierBlob
{
    /// <summary>Side of the box the random points are drawn in.</summary>
    public const int PointBox = 100;

    /// <summary>Points emitted per curved segment (t = 0..1 in 11 steps; the end point belongs to the next
    /// segment).</summary>
    public const int SamplesPerSegment = 12;

    /// <summary>k values of the reference (arange(0.2, 0.5, 0.1)).</summary>
    public static readonly IReadOnlyList<double> KChoices = [0.2, 0.3, 0.4];

    /// <summary>An outline in the 100x100 point box (floating coordinates; curves may bulge slightly outside
    /// it).</summary>
    public static (double[] X, double[] Y) Outline(Random rng, int pointCount, double k)
    {
        if (pointCount < 3) throw new ArgumentOutOfRangeException(nameof(pointCount), pointCount,
            "a closed blob needs at least 3 points");
        while (true)
        {
            var (px, py) = SortedPoints(rng, pointCount);
            var outline = Smooth(rng, px, py, k);
            // All points on one vertical/horizontal line cannot be scaled to a box: draw again (very rare).
            if (Range(outline.X) > 1e-9 && Range(outline.Y) > 1e-9) return outline;
        }
    }

    /// <summary>The outline scaled so its extent is exactly [0, width-1] x [0, height-1] (floating
    /// coordinates).</summary>
    public static (double[] X, double[] Y) ScaleToBox((double[] X, double[] Y) outline, int width, int height)
    {
        return (Stretch(outline.X, width - 1), Stretch(outline.Y, height - 1));
    }

    private static double[] Stretch(double[] v, double extent)
    {
        double min = v.Min(), range = Range(v);
        var r = new double[v.Length];
        for (int i = 0; i < v.Length; i++) r[i] = (v[i] - min) / range * extent;
        return r;
    }

    private static double Range(double[] v) => v.Max() - v.Min();

    private static (double[] X, double[] Y) SortedPoints(Random rng, int n)
    {
        var xs = new double[n];
        var ys = new double[n];
        for (int i = 0; i < n; i++) { xs[i] = rng.Next(PointBox); ys[i] = rng.Next(PointBox); }
        double cx = xs.Average(), cy = ys.Average();
        var angle = new double[n];
        for (int i = 0; i < n; i++) angle[i] = Math.Atan2(ys[i] - cy, xs[i] - cx);
        var order = Enumerable.Range(0, n).ToArray();
        // Stable sort on angle so equal angles keep draw order: deterministic whatever the runtime's sort.
        order = order.OrderBy(i => angle[i]).ToArray();
        return (order.Select(i => xs[i]).ToArray(), order.Select(i => ys[i]).ToArray());
    }

    private static (double[] X, double[] Y) Smooth(Random rng, double[] px, double[] py, double k)
    {
        int n = px.Length;
        // Control points around vertex v = P[i]: incoming (before the vertex) and outgoing (after it).
        var inX = new double[n]; var inY = new double[n];
        var outX = new double[n]; var outY = new double[n];
        for (int v = 0; v < n; v++)
        {
            int prev = (v - 1 + n) % n, next = (v + 1) % n;
            double m0x = (px[prev] + px[v]) / 2, m0y = (py[prev] + py[v]) / 2; // midpoint of the edge into v
            double m1x = (px[v] + px[next]) / 2, m1y = (py[v] + py[next]) / 2; // midpoint of the edge out of v
            double d0 = Math.Sqrt(Sq(px[v] - px[prev]) + Sq(py[v] - py[prev]));
            double d1 = Math.Sqrt(Sq(px[next] - px[v]) + Sq(py[next] - py[v]));
            double split = d0 + d1 > 0 ? d0 / (d0 + d1) : 0.5;
            // Shift the midpoint segment so its split point sits on the vertex, then pull both ends toward the vertex
            // by k.
            double dx = px[v] - (m0x + (m1x - m0x) * split), dy = py[v] - (m0y + (m1y - m0y) * split);
            double sx = m0x + dx, sy = m0y + dy, ex = m1x + dx, ey = m1y + dy;
            inX[v] = sx + (px[v] - sx) * k; inY[v] = sy + (py[v] - sy) * k;
            outX[v] = ex + (px[v] - ex) * k; outY[v] = ey + (py[v] - ey) * k;
        }

        var xs = new List<double>(n * SamplesPerSegment + 1);
        var ys = new List<double>(n * SamplesPerSegment + 1);
        for (int i = 0; i < n; i++)
        {
            int j = (i + 1) % n;
            bool straight = rng.NextDouble() > 0.5;
            int emitted = straight ? 1 : SamplesPerSegment - 1;
            for (int s = 0; s < emitted; s++)
            {
                double t = s / (double)(SamplesPerSegment - 1), u = 1 - t;
                double b0 = u * u * u, b1 = 3 * t * u * u, b2 = 3 * t * t * u, b3 = t * t * t;
                xs.Add(b0 * px[i] + b1 * outX[i] + b2 * inX[j] + b3 * px[j]);
                ys.Add(b0 * py[i] + b1 * outY[i] + b2 * inY[j] + b3 * py[j]);
            }
        }
        xs.Add(px[0]); ys.Add(py[0]); // close the outline on its first point
        return (xs.ToArray(), ys.ToArray());
    }

    private static double Sq(double v) => v * v;
}
