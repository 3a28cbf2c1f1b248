using TorchSharp;
using static TorchSharp.torch;

namespace Reb.Core.Search;

/// <summary>
/// Seeded k-means that cuts a bank into about sqrt(n) cells (<see cref="CellIndex"/>): a few Lloyd iterations on an
/// evenly spaced sample of the rows, then one assignment of every row to its nearest centroid and the centroids moved
/// to their cells' means. Deterministic given the seed; the cells only decide how much work a search does, never its
/// answer (any centroid and any assignment give the same exact neighbours).
/// </summary>
public static class CellBuilder
{
    private const int Iterations = 6;
    private const int SamplePerCell = 32;
    private const int AssignChunk = 8192;

    /// <summary>About sqrt(n) cells, at least one and at most 4096.</summary>
    public static int DefaultCellCount(long rows) => (int)Math.Clamp(Math.Round(Math.Sqrt(rows)), 1, 4096);

    /// <summary>Cells over <paramref name="bank"/> ([n, d] float32 CPU, original order), prepared with <paramref
    /// name="options"/>.</summary>
    public static CellIndex Build(Tensor bank, int cells = 0, int seed = 0, KnnOptions? options = null)
    {
        long n = bank.shape[0];
        if (cells <= 0) cells = DefaultCellCount(n);
        cells = (int)Math.Min(cells, n);
        Tensor centroids;
        int[] assignment;
        using (var scope = NewDisposeScope())
        {
            var rows = bank.contiguous();
            var sample = Sample(rows, n, Math.Min(n, (long)cells * SamplePerCell));
            var rng = new Random(seed);
            var pick = Enumerable.Range(0, (int)sample.shape[0]).OrderBy(_ => rng.Next()).Take(cells)
                .Select(i => (long)i).ToArray();
            var c = sample.index_select(0, tensor(pick)).clone();
            for (int it = 0; it < Iterations; it++)
            {
                using var step = NewDisposeScope();
                var nearest = Assign(sample, c);
                Update(sample, nearest, c);
            }
            var all = AssignAll(rows, n, c);
            Update(rows, all, c);
            assignment = all.data<long>().ToArray().Select(x => (int)x).ToArray();
            centroids = c.MoveToOuterDisposeScope();
        }
        using (centroids)
            return CellIndex.FromAssignment(bank, centroids, assignment, options);
    }

    private static Tensor Sample(Tensor rows, long n, long count)
    {
        if (count >= n) return rows;
        var at = Enumerable.Range(0, (int)count).Select(i => (long)((double)i * n / count)).ToArray();
        return rows.index_select(0, tensor(at));
    }

    /// <summary>Nearest centroid per row: argmin ||c||^2 - 2 x.c (the rows' own norms do not change the
    /// order).</summary>
    private static Tensor Assign(Tensor x, Tensor c)
    {
        var cn = c.pow(2).sum(1);
        return (cn.unsqueeze(0) - 2 * x.mm(c.t())).argmin(1);
    }

    /// <summary>Nearest centroid of every row, <see cref="AssignChunk"/> rows at a time (int64 [n]).</summary>
    internal static Tensor AssignAll(Tensor rows, long n, Tensor c)
    {
        var parts = new List<Tensor>();
        for (long s = 0; s < n; s += AssignChunk)
            parts.Add(Assign(rows.narrow(0, s, Math.Min(AssignChunk, n - s)), c));
        return cat(parts, 0);
    }

    /// <summary>Moves each centroid to the mean of its rows (float64 sums, in row order); a cell left empty keeps its
    /// centroid. A plain loop: libtorch's float64 index_add over a 200,000-row bank took seconds.</summary>
    private static unsafe void Update(Tensor x, Tensor nearest, Tensor c)
    {
        int cells = (int)c.shape[0], d = (int)x.shape[1];
        long n = x.shape[0];
        var sums = new double[(long)cells * d];
        var counts = new long[cells];
        using var rows = x.contiguous();
        using var cell = nearest.to(ScalarType.Int64).contiguous();
        float* xp = (float*)NativeGemm.DataPointer(rows);
        long* cp = (long*)NativeGemm.DataPointer(cell);
        for (long i = 0; i < n; i++)
        {
            long k = cp[i];
            counts[k]++;
            for (int j = 0; j < d; j++) sums[k * d + j] += xp[i * d + j];
        }
        float* centroids = (float*)NativeGemm.DataPointer(c); // contiguous: a clone of sample rows
        for (int k = 0; k < cells; k++)
            if (counts[k] > 0)
                for (int j = 0; j < d; j++) centroids[(long)k * d + j] = (float)(sums[(long)k * d + j] / counts[k]);
    }
}
