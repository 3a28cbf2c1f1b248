namespace Reb.Core.Metrics;

/// <summary>Pixel adjacency used to join mask pixels into regions.</summary>
public enum Connectivity
{
    /// <summary>Edge neighbours only (up, down, left, right).</summary>
    Four = 4,
    /// <summary>Edge and corner neighbours; the MVTec AUPRO definition uses this.</summary>
    Eight = 8,
}

/// <summary>Connected-component labelling of a binary mask, iterative (no recursion, so no stack overflow on big
/// regions).</summary>
public static class ConnectedComponents
{
    /// <summary>
    /// Labels the set pixels of a row-major <paramref name="width"/> x <paramref name="height"/> mask.
    /// Returns one label per pixel (0 = background, 1..Count = region, numbered in row-major order of each
    /// region's first pixel) and the region count.
    /// </summary>
    public static (int[] Labels, int Count) Label(ReadOnlySpan<bool> mask, int width, int height,
        Connectivity connectivity = Connectivity.Eight)
    {
        if (width <= 0 || height <= 0)
            throw new ArgumentOutOfRangeException(nameof(width), $"mask size {width}x{height} must be positive");
        if ((long)width * height != mask.Length)
            throw new ArgumentException($"mask has {mask.Length} pixels but width x height = {width} x {height} = " +
                $"{(long)width * height}", nameof(mask));
        if (connectivity is not (Connectivity.Four or Connectivity.Eight))
            throw new ArgumentOutOfRangeException(nameof(connectivity), "connectivity must be Four or Eight");

        var labels = new int[mask.Length];
        var stack = new int[mask.Length]; // each pixel is pushed at most once (it is labelled when pushed)
        int count = 0;
        bool diagonal = connectivity == Connectivity.Eight;
        for (int start = 0; start < mask.Length; start++)
        {
            if (!mask[start] || labels[start] != 0) continue;
            int label = ++count;
            int top = 0;
            labels[start] = label;
            stack[top++] = start;
            while (top > 0)
            {
                int p = stack[--top];
                int y = p / width, x = p - y * width;
                for (int dy = -1; dy <= 1; dy++)
                {
                    int ny = y + dy;
                    if ((uint)ny >= (uint)height) continue;
                    for (int dx = -1; dx <= 1; dx++)
                    {
                        if (dx == 0 && dy == 0) continue;
                        if (!diagonal && dx != 0 && dy != 0) continue;
                        int nx = x + dx;
                        if ((uint)nx >= (uint)width) continue;
                        int q = ny * width + nx;
                        if (mask[q] && labels[q] == 0)
                        {
                            labels[q] = label;
                            stack[top++] = q;
                        }
                    }
                }
            }
        }
        return (labels, count);
    }
}
