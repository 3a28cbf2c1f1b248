namespace Reb.Core.DefectMaker;

/// <summary>
/// The blending weight of section 4 in the shape's own box: the binary mask, or the mask eroded with a k x k elliptical
/// element (OpenCV's MORPH_ELLIPSE; outside the box counts as inside, as OpenCV's erode border does) and then
/// Gaussian-blurred (k x k, sigma k, mirrored borders like OpenCV's default). The soft alpha is clipped to the
/// binary mask so that "alpha = 0 outside the mask" holds exactly (the erosion-plus-blur leaks only faint corner
/// values past the shape otherwise).
/// </summary>
public static class AlphaMask
{
    public static float[] Binary(ShapeMask shape)
    {
        var a = new float[shape.Pixels.Length];
        for (int i = 0; i < a.Length; i++) a[i] = shape.Pixels[i];
        return a;
    }

    public static float[] Smoothed(ShapeMask shape, int k)
    {
        if (k < 1 || k % 2 == 0)
            throw new ArgumentOutOfRangeException(nameof(k), k, "kernel size must be odd and positive");
        int w = shape.Width, h = shape.Height;
        var eroded = Erode(shape.Pixels, w, h, EllipseOffsets(k));
        var blurred = GaussianBlur(eroded, w, h, k, sigma: k);
        for (int i = 0; i < blurred.Length; i++) blurred[i] *= shape.Pixels[i];
        return blurred;
    }

    /// <summary>Offsets (dy,dx) of OpenCV's elliptical structuring element of size k x k.</summary>
    public static IReadOnlyList<(int Dy, int Dx)> EllipseOffsets(int k)
    {
        int r = k / 2, c = k / 2;
        double invR2 = r > 0 ? 1.0 / (r * r) : 0;
        var list = new List<(int, int)>();
        for (int i = 0; i < k; i++)
        {
            int dy = i - r;
            int dx = (int)Math.Round(c * Math.Sqrt((r * r - dy * dy) * invR2), MidpointRounding.AwayFromZero);
            for (int j = Math.Max(c - dx, 0); j < Math.Min(c + dx + 1, k); j++) list.Add((dy, j - c));
        }
        return list;
    }

    private static float[] Erode(byte[] mask, int w, int h, IReadOnlyList<(int Dy, int Dx)> element)
    {
        var result = new float[w * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                byte v = 1;
                foreach (var (dy, dx) in element)
                {
                    int yy = y + dy, xx = x + dx;
                    if ((uint)yy >= (uint)h || (uint)xx >= (uint)w) continue; // outside counts as inside
                    if (mask[yy * w + xx] == 0) { v = 0; break; }
                }
                result[y * w + x] = v;
            }
        return result;
    }

    private static float[] GaussianBlur(float[] src, int w, int h, int k, double sigma)
    {
        var weights = new float[k];
        double sum = 0;
        for (int i = 0; i < k; i++) { weights[i] =
            (float)Math.Exp(-Math.Pow(i - (k - 1) / 2.0, 2) / (2 * sigma * sigma)); sum += weights[i]; }
        for (int i = 0; i < k; i++) weights[i] = (float)(weights[i] / sum);
        int r = k / 2;
        var tmp = new float[w * h];
        var dst = new float[w * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                float acc = 0;
                for (int i = 0; i < k; i++) acc += weights[i] * src[y * w + Reflect101(x + i - r, w)];
                tmp[y * w + x] = acc;
            }
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                float acc = 0;
                for (int i = 0; i < k; i++) acc += weights[i] * tmp[Reflect101(y + i - r, h) * w + x];
                dst[y * w + x] = Math.Clamp(acc, 0f, 1f);
            }
        return dst;
    }

    /// <summary>OpenCV's BORDER_REFLECT_101 (gfedcb|abcdefgh|gfedcba).</summary>
    private static int Reflect101(int i, int n)
    {
        if (n == 1) return 0;
        while ((uint)i >= (uint)n) i = i < 0 ? -i : 2 * n - 2 - i;
        return i;
    }
}
