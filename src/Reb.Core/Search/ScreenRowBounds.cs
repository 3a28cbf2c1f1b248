namespace Reb.Core.Search;

/// <summary>
/// Per bank row, the float32 inputs of the screen scan (scaled domain, see <see cref="ScreenErrorBound"/>):
/// LowBias = ||bc||^2 - Safety h B^2 rounded down, HighBias = ||bc||^2 + Safety h B^2 rounded up, B = Nb + Rb and
/// Rb rounded up. Plain arrays: the scan reads them with SIMD loads next to each GEMM tile.
/// </summary>
internal sealed class ScreenRowBounds
{
    private readonly int _dim;

    public ScreenRowBounds(int rows, int dim)
    {
        _dim = dim;
        LowBias = new float[rows];
        HighBias = new float[rows];
        B = new float[rows];
        Residual = new float[rows];
    }

    public float[] LowBias { get; }
    public float[] HighBias { get; }
    public float[] B { get; }
    public float[] Residual { get; }

    /// <summary>A copy with room for <paramref name="rows"/> rows, this one's rows first (the rest filled by <see
    /// cref="Set"/>).</summary>
    public ScreenRowBounds Extended(int rows)
    {
        var e = new ScreenRowBounds(rows, _dim);
        LowBias.CopyTo(e.LowBias, 0);
        HighBias.CopyTo(e.HighBias, 0);
        B.CopyTo(e.B, 0);
        Residual.CopyTo(e.Residual, 0);
        return e;
    }

    /// <summary>Fills rows [start, start + normSq.Length) from float64 squared norms and residual norms.</summary>
    public void Set(int start, double[] normSq, double[] residual)
    {
        for (int i = 0; i < normSq.Length; i++)
        {
            double rb = residual[i] * (1 + 1e-9);
            double b = (Math.Sqrt(normSq[i]) + rb) * (1 + 1e-9); // the float64 sums err far below 1e-9 relative
            double row = ScreenErrorBound.RowTerm(_dim, b);
            LowBias[start + i] = Down(normSq[i] - row);
            HighBias[start + i] = Up(normSq[i] + row);
            B[start + i] = Up(b);
            Residual[start + i] = Up(rb);
        }
    }

    internal static float Up(double x) { float f = (float)x; return f < x ? MathF.BitIncrement(f) : f; }
    internal static float Down(double x) { float f = (float)x; return f > x ? MathF.BitDecrement(f) : f; }
}
