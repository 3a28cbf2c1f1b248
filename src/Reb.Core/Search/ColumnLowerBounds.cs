namespace Reb.Core.Search;

/// <summary>
/// The reverse reading of one search's screen: per bank row, the least rigorous lower bound of its squared distance to
/// any of the queries, gathered while the tiles are scanned for the queries' own neighbours (one GEMM, read in both
/// directions). A bank update uses it to find the old rows a new row may have come nearer to than their K-th
/// neighbour without searching the old rows against the new ones again (<see cref="Ldknn.BankUpdate"/>). Each scan
/// thread keeps its own minima; <see cref="Within"/> merges them.
/// </summary>
internal sealed class ColumnLowerBounds(long columns)
{
    /// <summary>Relative slack (of Nu and B^2) for forming lower + Nu - C0 in float32: far above its
    /// rounding.</summary>
    internal const double Slack = 1.0 / (1 << 18);

    /// <summary>Scan threads at most (the scan splits a block's queries into this many parts).</summary>
    internal static readonly int Parts = Environment.ProcessorCount;

    private readonly float[]?[] _parts = new float[Parts][];

    /// <summary>Part <paramref name="p"/>'s minima (made on first use; each part is scanned by one thread at a
    /// time).</summary>
    internal float[] Part(int p)
    {
        if (_parts[p] is { } a) return a;
        var fresh = new float[columns];
        Array.Fill(fresh, float.PositiveInfinity);
        return _parts[p] = fresh;
    }

    /// <summary>
    /// Bank rows j &lt; radius.Length that some query may lie strictly nearer to than radius[j] (an unscaled squared
    /// distance, e.g. the row's K-th neighbour distance): a superset of the rows with min_q D(q, j) &lt; radius[j].
    /// </summary>
    internal long[] Within(KnnBank bank, float[] radius)
    {
        if (radius.LongLength > columns)
            throw new ArgumentException($"{radius.LongLength} radii for {columns} bank rows", nameof(radius));
        double scaleSq = bank.Scale * bank.Scale;
        double absolute = Math.ScaleB(1.0, -148) * scaleSq; // the scan's absolute margin (float32 denormal spacing)
        var b = bank.Rows.B;
        var used = _parts.Where(p => p is not null).Select(p => p!).ToArray();
        var rows = new List<long>();
        for (long j = 0; j < radius.LongLength; j++)
        {
            float least = float.PositiveInfinity;
            foreach (var part in used) least = MathF.Min(least, part[j]);
            double limit = radius[j] * scaleSq * (1 + CandidateScan.RelativeMargin) + Slack * (double)b[j] * b[j] +
                absolute;
            if (least <= ScreenRowBounds.Up(limit)) rows.Add(j);
        }
        return rows.ToArray();
    }
}
