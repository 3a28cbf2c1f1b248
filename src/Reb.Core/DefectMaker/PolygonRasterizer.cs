namespace Reb.Core.DefectMaker;

/// <summary>
/// Fills a closed polygon with integer vertices into a byte mask (1 = inside), boundary pixels included like
/// OpenCV's filled drawContours used by the reference: even-odd scanline fill at pixel centres, then the edges drawn
/// with Bresenham lines. Plain integer code, so the result does not depend on a graphics library's version.
/// </summary>
public static class PolygonRasterizer
{
    public static byte[] Fill(int[] xs, int[] ys, int width, int height)
    {
        if (xs.Length != ys.Length)
            throw new ArgumentException($"{xs.Length} x coordinates but {ys.Length} y coordinates");
        if (width <= 0 || height <= 0)
            throw new ArgumentOutOfRangeException(nameof(width), $"mask size {width}x{height} must be positive");
        var mask = new byte[width * height];
        int n = xs.Length;
        var crossings = new List<double>();
        for (int y = 0; y < height; y++)
        {
            crossings.Clear();
            for (int i = 0; i < n; i++)
            {
                int j = (i + 1) % n;
                int y0 = ys[i], y1 = ys[j];
                if (y0 == y1) continue;
                // Half-open rule [min, max) so a vertex shared by two edges is counted once.
                if (y < Math.Min(y0, y1) || y >= Math.Max(y0, y1)) continue;
                crossings.Add(xs[i] + (y - y0) * (double)(xs[j] - xs[i]) / (y1 - y0));
            }
            crossings.Sort();
            var row = mask.AsSpan(y * width, width);
            for (int c = 0; c + 1 < crossings.Count; c += 2)
            {
                int from = Math.Max(0, (int)Math.Ceiling(crossings[c]));
                int to = Math.Min(width - 1, (int)Math.Floor(crossings[c + 1]));
                if (to >= from) row.Slice(from, to - from + 1).Fill(1);
            }
        }
        for (int i = 0; i < n; i++)
        {
            int j = (i + 1) % n;
            Line(mask, width, height, xs[i], ys[i], xs[j], ys[j]);
        }
        return mask;
    }

    private static void Line(byte[] mask, int width, int height, int x0, int y0, int x1, int y1)
    {
        int dx = Math.Abs(x1 - x0), sx = x0 < x1 ? 1 : -1;
        int dy = -Math.Abs(y1 - y0), sy = y0 < y1 ? 1 : -1;
        int err = dx + dy;
        while (true)
        {
            if ((uint)x0 < (uint)width && (uint)y0 < (uint)height) mask[y0 * width + x0] = 1;
            if (x0 == x1 && y0 == y1) return;
            int e2 = 2 * err;
            if (e2 >= dy) { err += dy; x0 += sx; }
            if (e2 <= dx) { err += dx; y0 += sy; }
        }
    }
}
