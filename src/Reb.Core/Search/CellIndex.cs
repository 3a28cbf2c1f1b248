using static TorchSharp.torch;

namespace Reb.Core.Search;

/// <summary>
/// A bank cut into cells for exact pruned search: the rows re-ordered so that each cell is one contiguous range of a
/// prepared <see cref="KnnBank"/> (screened with the same kernel pieces as the flat bank), each position's ORIGINAL
/// bank index (exclusions, the tie rule and the answer use it), and per cell a float32 centroid c and a radius r that
/// bounds ||b - c|| from above for every row b of the cell, measured in float64 and rounded up. By the triangle
/// inequality no row of the cell lies nearer to a query q than (||q - c|| - r)^2: <see cref="LowerBounds"/>. Inside a
/// cell the rows are ordered by their own distance t from the centroid, so that the rows a query needs form one range:
/// a row is at least |(||q - c||) - t| from q (the ring bound), which rules out the cell's inner and outer shells.
/// </summary>
public sealed class CellIndex : IDisposable
{
    /// <summary>Relative widening of the radii over their float64 measurement (a d-term float64 sum errs by d
    /// 2^-53).</summary>
    private const double RadiusMargin = 1e-9;

    private readonly Tensor _centroids64; // [C, d] float64 copy of the float32 centroids (exact)
    private readonly double[] _centroidNormSq;
    private readonly float[] _centred; // [C, d] float32 centroids minus the bank mean, rounded (CellBounds)
    private readonly double[] _centredNormSq, _centredNorm; // their squared norms, and norms rounded up

    internal CellIndex(KnnBank bank, int[] original, int[] cellStart, Tensor centroids, double[] radius,
        double[] rowDistance)
    {
        Bank = bank;
        Original = original;
        CellStart = cellStart;
        RowDistance = rowDistance;
        Centroids = centroids.DetachFromDisposeScope();
        Radius = radius;
        _centroids64 = centroids.to(ScalarType.Float64).DetachFromDisposeScope();
        using (var scope = NewDisposeScope())
            _centroidNormSq = _centroids64.pow(2).sum(1).data<double>().ToArray();
        (_centred, _centredNormSq, _centredNorm) = CellBounds.Centred(Centroids, bank.Mean);
    }

    /// <summary>The rows in cell order, prepared for screening (owned).</summary>
    internal KnnBank Bank { get; }

    /// <summary>Position in <see cref="Bank"/> -> original bank index.</summary>
    internal int[] Original { get; }

    /// <summary>Cell c holds positions [CellStart[c], CellStart[c + 1]).</summary>
    internal int[] CellStart { get; }

    /// <summary>[C, d] float32 centroids.</summary>
    internal Tensor Centroids { get; }

    /// <summary>Per cell: an upper bound of the distance (not squared) of its rows from the centroid; -inf when
    /// empty.</summary>
    internal double[] Radius { get; }

    /// <summary>Per position: its row's distance (not squared) from its cell's centroid, measured in float64,
    /// ascending within each cell.</summary>
    internal double[] RowDistance { get; }

    /// <summary>Number of cells (empty ones included).</summary>
    public int CellCount => CellStart.Length - 1;

    /// <summary>Rows in the bank.</summary>
    public long Count => Bank.Count;

    /// <summary>Rows in cell <paramref name="c"/>.</summary>
    public int CellSize(int c) => CellStart[c + 1] - CellStart[c];

    /// <summary>
    /// Builds the cells from an assignment of every bank row to a cell (rows keep ascending original order inside a
    /// cell); radii are measured against the given centroids, whatever they are.
    /// </summary>
    /// <param name="bank">[n, d] float32 CPU rows in original order.</param>
    /// <param name="centroids">[C, d] float32 centroids.</param>
    /// <param name="cell">Per row its cell in [0, C).</param>
    internal static CellIndex FromAssignment(Tensor bank, Tensor centroids, int[] cell, KnnOptions? options = null)
    {
        int n = checked((int)bank.shape[0]), cells = checked((int)centroids.shape[0]), d = (int)bank.shape[1];
        if (cell.Length != n) throw new ArgumentException($"{cell.Length} cell numbers for {n} rows", nameof(cell));
        var start = new int[cells + 1];
        foreach (int c in cell)
        {
            if ((uint)c >= (uint)cells) throw new ArgumentException($"cell {c} outside [0, {cells})", nameof(cell));
            start[c + 1]++;
        }
        for (int c = 0; c < cells; c++) start[c + 1] += start[c];
        var centroids32 = centroids.to(ScalarType.Float32).contiguous();
        var own = OwnDistances(bank, centroids32, cell, d);
        var original = new int[n];
        var next = (int[])start.Clone();
        for (int i = 0; i < n; i++) original[next[cell[i]]++] = i;
        // Inside a cell: by distance from the centroid, then by original index (deterministic).
        var rowDistance = new double[n];
        Parallel.For(0, cells, c =>
        {
            Array.Sort(original, start[c], start[c + 1] - start[c],
                Comparer<int>.Create((a, b) => own[a] != own[b] ? own[a].CompareTo(own[b]) : a.CompareTo(b)));
            for (int p = start[c]; p < start[c + 1]; p++) rowDistance[p] = own[original[p]];
        });
        var radius = new double[cells];
        for (int c = 0; c < cells; c++)
            radius[c] = start[c + 1] > start[c] ? rowDistance[start[c + 1] - 1] * (1 + RadiusMargin)
                : double.NegativeInfinity;

        KnnBank ordered;
        using (var scope = NewDisposeScope())
        {
            var rows = bank.index_select(0, tensor(original.Select(i => (long)i).ToArray())).contiguous();
            rows.DetachFromDisposeScope();
            ordered = KnnBank.Create(rows, options);
        }
        return new CellIndex(ordered, original, start, centroids32, radius, rowDistance);
    }

    /// <summary>
    /// The cells of <paramref name="union"/> (this index's rows in original order, then new rows): the old rows keep
    /// their cells, each new row joins the cell with the nearest centroid, whose radius grows to cover it; centroids
    /// stay. The rows are laid out again in cell order (one copy, prepared with <paramref name="options"/>).
    /// </summary>
    internal CellIndex Appended(Tensor union, KnnOptions? options = null)
    {
        long old = Count, n = union.shape[0];
        if (n < old) throw new ArgumentException($"{n} rows cannot extend a bank of {old}", nameof(union));
        var cell = new int[n];
        for (int c = 0; c < CellCount; c++)
            for (int p = CellStart[c]; p < CellStart[c + 1]; p++) cell[Original[p]] = c;
        if (n > old)
            using (var scope = NewDisposeScope())
            {
                // Only non-empty cells have a radius to grow from: empty ones are left out of the choice.
                var bounds = LowerBoundsOfCentres(union.narrow(0, old, n - old));
                int cells = CellCount;
                for (long i = 0; i < n - old; i++)
                {
                    int best = -1;
                    for (int c = 0; c < cells; c++)
                        if (!double.IsNegativeInfinity(Radius[c])
                            && (best < 0 || bounds[i * cells + c] < bounds[i * cells + best])) best = c;
                    cell[old + i] = best;
                }
            }
        return FromAssignment(union, Centroids, cell, options);
    }

    /// <summary>[rows x C] approximate squared distances of the rows to the centroids (the choice of a cell
    /// only).</summary>
    private double[] LowerBoundsOfCentres(Tensor rows)
    {
        using var scope = NewDisposeScope();
        var q64 = rows.to(ScalarType.Float64);
        var d2 = q64.pow(2).sum(1).unsqueeze(1) + tensor(_centroidNormSq).unsqueeze(0) - 2 * q64.mm(_centroids64.t());
        return d2.contiguous().data<double>().ToArray();
    }

    /// <summary>Each row's distance (not squared) from its cell's centroid, float64 over the float32 values.</summary>
    private static unsafe double[] OwnDistances(Tensor bank, Tensor centroids, int[] cell, int d)
    {
        var distance = new double[cell.Length];
        using var rows = bank.to(ScalarType.Float32).contiguous();
        float* bp = (float*)NativeGemm.DataPointer(rows);
        float* cp = (float*)NativeGemm.DataPointer(centroids);
        Parallel.For(0, cell.Length, i =>
            distance[i] = Math.Sqrt(ExactDistances.SquaredDistance(bp + (long)i * d, cp + (long)cell[i] * d, d)));
        return distance;
    }

    /// <summary>
    /// The positions of cell <paramref name="c"/> whose rows can lie within <paramref name="reach"/> (a distance, not
    /// squared) of a query at distance [<paramref name="centreLow"/>, <paramref name="centreHigh"/>] from the centroid:
    /// by the triangle inequality a row at distance t from the centroid is at least max(centreLow - t, t - centreHigh)
    /// from the query, so only t in [centreLow - reach, centreHigh + reach] (widened by the measurement's relative
    /// error) can be a neighbour. Returns [from, to).
    /// </summary>
    internal (int From, int To) Ring(int c, double centreLow, double centreHigh, double reach)
    {
        double low = (centreLow - reach) * (1 - RadiusMargin), high = (centreHigh + reach) * (1 + RadiusMargin);
        int from = CellStart[c], to = CellStart[c + 1];
        return (LowerBound(from, to, low), LowerBound(from, to, Math.BitIncrement(high)));
    }

    /// <summary>First position in [from, to) whose row distance is at least <paramref name="value"/>.</summary>
    private int LowerBound(int from, int to, double value)
    {
        while (from < to)
        {
            int mid = (from + to) >>> 1;
            if (RowDistance[mid] < value) from = mid + 1; else to = mid;
        }
        return from;
    }

    /// <summary>
    /// Per (cell, query), cell-major [C x rows] (a sweep over one cell reads its queries in a row): a rigorous lower
    /// bound of the squared distance from the query to any row of the cell (+inf for an empty cell), and, on demand,
    /// an interval holding the query's distance (not squared) from the centroid; all unscaled. Both are first centred
    /// on the bank mean in float32 (q', c'), then ||q' - c'||^2 = ||q'||^2 + ||c'||^2 - 2 q'.c' with q'.c' from one
    /// float32 GEMM, whose error is below gamma_d ||q'|| ||c'|| (gamma_d = d 2^-24 / (1 - d 2^-24), any order of
    /// summation), and the float64 rest's below (d + 8) 2^-50 (||q'||^2 + ||c'||^2): both are taken off (and added,
    /// for the upper end) before the square root, and the centring's rounding after it. Float32, not float64: the
    /// float64 GEMM and per-entry arrays cost a fifth of a cell search (a quarter of a second per 4096 queries).
    /// </summary>
    internal CellBounds LowerBounds(Tensor queries) => new(this, queries);

    /// <summary>One block's bounds (see <see cref="LowerBounds"/>).</summary>
    internal sealed unsafe class CellBounds
    {
        private readonly float[] _dots; // [C x rows] float32 q'.c'
        private readonly double[] _queryNormSq, _queryNorm;
        private readonly CellIndex _cells;
        private readonly double _gamma, _relative;

        public CellBounds(CellIndex cells, Tensor queries)
        {
            _cells = cells;
            Rows = (int)queries.shape[0];
            int count = cells.CellCount, d = (int)queries.shape[1];
            _dots = new float[(long)count * Rows];
            var (centred, normSq, norm) = Centred(queries, cells.Bank.Mean);
            _queryNormSq = normSq;
            _queryNorm = norm;
            fixed (float* dots = _dots, qp = centred, cp = cells._centred)
                if (NativeGemm.IsAvailable) NativeGemm.GemmABtF32(cp, count, qp, Rows, d, dots, Rows, 1f);
                else
                    using (var product = tensor(cells._centred).reshape(count, d)
                               .mm(tensor(centred).reshape(Rows, d).t()).contiguous())
                        product.data<float>().CopyTo(_dots);
            double u = Math.ScaleB(1.0, -24);
            _gamma = d * u / (1 - d * u) * (1 + 1e-12);
            _relative = (d + 8) * Math.ScaleB(1.0, -50);
            Lower = new double[_dots.Length];
            for (int c = 0; c < count; c++)
            {
                double radius = cells.Radius[c];
                if (double.IsNegativeInfinity(radius))
                {
                    Array.Fill(Lower, double.PositiveInfinity, c * Rows, Rows);
                    continue;
                }
                for (int r = 0; r < Rows; r++)
                {
                    double low = CentreLow(c, r), gap = low - radius;
                    Lower[(long)c * Rows + r] = gap > 0 ? gap * gap * (1 - 1e-15) : 0;
                }
            }
        }

        /// <summary>
        /// Rows minus <paramref name="mean"/>, rounded to float32: the GEMM then works on differences, not on a large
        /// common offset whose products would cancel (its error grows with the norms it multiplies). Per row the
        /// squared norm (float64 sum) and the norm rounded up.
        /// </summary>
        internal static (float[] Values, double[] NormSq, double[] Norm) Centred(Tensor rows, Tensor mean)
        {
            int n = (int)rows.shape[0], d = (int)rows.shape[1];
            using var values = rows.to(ScalarType.Float32).contiguous();
            using var centre = mean.contiguous();
            float* v = (float*)NativeGemm.DataPointer(values), m = (float*)NativeGemm.DataPointer(centre);
            var centred = new float[(long)n * d];
            var normSq = new double[n];
            var norm = new double[n];
            for (int r = 0; r < n; r++)
            {
                double sum = 0;
                for (int j = 0; j < d; j++)
                {
                    float x = v[(long)r * d + j] - m[j];
                    centred[(long)r * d + j] = x;
                    sum += (double)x * x;
                }
                normSq[r] = sum;
                norm[r] = Math.Sqrt(sum) * (1 + 1e-12);
            }
            return (centred, normSq, norm);
        }

        /// <summary>Queries of the block.</summary>
        public int Rows { get; }

        /// <summary>[C x rows]: the lower bound of the squared distance from query r to cell c, at c * Rows +
        /// r.</summary>
        public double[] Lower { get; }

        /// <summary>A lower bound of query r's distance (not squared) from the centroid of cell c.</summary>
        public double CentreLow(int c, int r)
        {
            var (sum, dot, error, shift) = Terms(c, r);
            double d2 = sum - 2 * dot - error;
            return Math.Max(0, (d2 > 0 ? Math.Sqrt(d2) * (1 - 1e-15) : 0) - shift);
        }

        /// <summary>An upper bound of query r's distance (not squared) from the centroid of cell c.</summary>
        public double CentreHigh(int c, int r)
        {
            var (sum, dot, error, shift) = Terms(c, r);
            return Math.Sqrt(Math.Max(0, sum - 2 * dot + error)) * (1 + 1e-15) + shift;
        }

        /// <summary>||q'||^2 + ||c'||^2 and q'.c' of the centred, rounded rows; the error bound of the distance squared
        /// from them; and how far the rounding of the centring can move the distance itself (each coordinate by at
        /// most 2^-24 of itself: at most 2^-24 / (1 - 2^-24) of each norm).</summary>
        private (double Sum, double Dot, double Error, double Shift) Terms(int c, int r)
        {
            double sum = _queryNormSq[r] + _cells._centredNormSq[c];
            double normProduct = _queryNorm[r] * _cells._centredNorm[c];
            double error = _relative * sum + 2 * _gamma * normProduct + 1e-30;
            double shift = RoundingShare * (_queryNorm[r] + _cells._centredNorm[c]) + 1e-30;
            return (sum, _dots[(long)c * Rows + r], error, shift);
        }

        private static readonly double RoundingShare = Math.ScaleB(1.0, -24) / (1 - Math.ScaleB(1.0, -24)) * (1 + 1e-9);
    }

    /// <summary>Bytes the cells hold besides the searched bank: their reordered bank copy, centroids and row
    /// order.</summary>
    public long ResidentBytes => Bank.ResidentBytes + KnnBank.TensorBytes(Centroids) + KnnBank.TensorBytes(_centroids64)
                                 + sizeof(int) * (Original.LongLength + CellStart.LongLength)
                                 + sizeof(double) * (2L * Radius.LongLength + RowDistance.LongLength);

    /// <summary>Releases the ordered bank and the centroids.</summary>
    public void Dispose()
    {
        Bank.Dispose();
        Centroids.Dispose();
        _centroids64.Dispose();
    }
}
