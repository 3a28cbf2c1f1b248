namespace Reb.Core.Features;

/// <summary>PyTorch's adaptive_avg_pool1d as a matrix, so that pooling can be folded into a convolution.</summary>
public static class AdaptivePooling
{
    /// <summary>[outputs, inputs] row-stochastic matrix: row i averages inputs floor(i*L/O) ..
    /// ceil((i+1)*L/O)-1.</summary>
    public static double[,] Matrix(int inputs, int outputs)
    {
        if (inputs <= 0 || outputs <= 0)
            throw new ArgumentOutOfRangeException(nameof(outputs), "sizes must be positive");
        var m = new double[outputs, inputs];
        for (int i = 0; i < outputs; i++)
        {
            int start = (int)Math.Floor((double)i * inputs / outputs);
            int end = (int)Math.Ceiling((double)(i + 1) * inputs / outputs);
            for (int j = start; j < end; j++) m[i, j] = 1.0 / (end - start);
        }
        return m;
    }

    public static double[,] Multiply(double[,] a, double[,] b)
    {
        int n = a.GetLength(0), k = a.GetLength(1), m = b.GetLength(1);
        if (b.GetLength(0) != k) throw new ArgumentException("inner sizes differ");
        var c = new double[n, m];
        for (int i = 0; i < n; i++)
            for (int p = 0; p < k; p++)
            {
                double v = a[i, p];
                if (v == 0) continue;
                for (int j = 0; j < m; j++) c[i, j] += v * b[p, j];
            }
        return c;
    }
}
