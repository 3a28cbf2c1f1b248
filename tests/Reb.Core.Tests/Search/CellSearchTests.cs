using Reb.Core.Search;
using static TorchSharp.torch;

namespace Reb.Core.Tests.Search;

/// <summary>
/// The cell-pruned search against the flat kernel (bit for bit: indices, float32 distances, tie order) and against the
/// independent float64 reference, on banks built to stress the pruning: clustered rows, ties and exact duplicates
/// split across cells, one-row and empty cells, queries far from every cell, exclusions.
/// </summary>
public class CellSearchTests
{
    /// <summary>Rows around a few centres (a repeated background), so that most cells can be ruled out.</summary>
    private static Tensor Clustered(int rows, int dim, int centres, long seed)
    {
        using var gen = new Generator((ulong)seed);
        using var scope = NewDisposeScope();
        var c = randn(new long[] { centres, dim }, generator: gen) * 4f;
        var pick = randint(centres, new long[] { rows }, generator: gen);
        var x = c.index_select(0, pick) + randn(new long[] { rows, dim }, generator: gen) * 0.3f;
        return x.contiguous().MoveToOuterDisposeScope();
    }

    private static void AssertSame(KnnResult flat, KnnResult cells)
    {
        Assert.Equal(flat.Indices.data<long>().ToArray(), cells.Indices.data<long>().ToArray());
        var a = flat.Distances.data<float>().ToArray();
        var b = cells.Distances.data<float>().ToArray();
        Assert.Equal(a.Length, b.Length);
        for (int i = 0; i < a.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(a[i]) == BitConverter.SingleToInt32Bits(b[i]),
                $"entry {i}: {a[i]:R} vs {b[i]:R}");
    }

    [Theory]
    [InlineData(1, 1, KnnPrecision.Bf16Screened, Bf16Gemm.Mkl)]
    [InlineData(10, 2, KnnPrecision.Bf16Screened, Bf16Gemm.Mkl)]
    [InlineData(1, 5, KnnPrecision.Bf16Screened, Bf16Gemm.LibTorch)]
    [InlineData(10, 6, KnnPrecision.Bf16Screened, Bf16Gemm.LibTorch)]
    [InlineData(1, 3, KnnPrecision.Float32, Bf16Gemm.Mkl)]
    [InlineData(10, 4, KnnPrecision.Float32, Bf16Gemm.Mkl)]
    public void ClusteredBank_SameAsFlat_AndPrunes(int k, long seed, KnnPrecision precision, Bf16Gemm cellGemm)
    {
        using var data = Clustered(6000, 48, 12, seed);
        using var queries = Clustered(300, 48, 12, seed + 100);
        var options = new KnnOptions { Precision = precision, CellBf16Gemm = cellGemm };
        using var bank = KnnBank.Create(data, options);
        using var search = KnnSearch.Create(bank, SearchMode.Cells, options: options);
        Assert.Equal(SearchMode.Cells, search.Mode);
        var stats = new KnnSearchStats();
        using var flat = KnnKernel.Search(bank, queries, k);
        using var cells = search.Search(queries, k, options: options, stats: stats);
        AssertSame(flat, cells);
        KnnReference.AssertExact(cells, KnnReference.AllDistances(queries, data), k);
        // Pruning happened: far fewer rows screened than the whole bank per query.
        Assert.True(stats.RowsScanned < 300L * 6000 / 2, $"screened {stats.RowsScanned} of {300L * 6000}");
    }

    /// <summary>
    /// Cells of about 1,200 rows (many bands each), so that a query's ring takes several bands: consecutive bands taken
    /// by the same queries are screened in one wider GEMM, up to eight bands, and a cell's nearest-cell screen in
    /// several. Near queries and far ones (every cell, every band), with both GEMMs of the cells.
    /// </summary>
    [Theory]
    [InlineData(1, Bf16Gemm.LibTorch)]
    [InlineData(10, Bf16Gemm.LibTorch)]
    [InlineData(10, Bf16Gemm.Mkl)]
    public void ManyBandCells_MergedBands_SameAsFlat(int k, Bf16Gemm cellGemm)
    {
        using var data = Clustered(6000, 48, 12, 31);
        using var near = Clustered(200, 48, 12, 32);
        using var far = Clustered(40, 48, 12, 33) * 6f;
        using var queries = cat(new[] { near, far }, 0).contiguous();
        var options = new KnnOptions { CellBf16Gemm = cellGemm };
        int n = (int)data.shape[0];
        var cell = Enumerable.Range(0, n).Select(i => i % 5).ToArray();
        using var centroids = stack(Enumerable.Range(0, 5)
            .Select(c => data.index_select(0, tensor(Enumerable.Range(0, n).Where(i => i % 5 == c)
                .Select(i => (long)i).ToArray())).mean([0])).ToArray());
        using var cells = CellIndex.FromAssignment(data, centroids, cell, options);
        using var bank = KnnBank.Create(data, options);
        using var flat = KnnKernel.Search(bank, queries, k);
        var excluded = Enumerable.Repeat(BankRange.None, (int)queries.shape[0]).ToArray();
        var stats = new KnnSearchStats();
        using var got = CellSearch.Search(cells, queries, k, excluded, options, null, stats);
        AssertSame(flat, got);
        KnnReference.AssertExact(got, KnnReference.AllDistances(queries, data), k);
        // Cells are counted once per query however many bands or GEMMs it took there.
        Assert.True(stats.CellsVisited <= queries.shape[0] * 5, $"{stats.CellsVisited} cell visits");
    }

    [Fact]
    public void UniformRandomBank_SameAsFlat()
    {
        using var gen = new Generator(11);
        using var data = randn(new long[] { 3000, 24 }, generator: gen);
        using var queries = randn(new long[] { 200, 24 }, generator: gen);
        using var bank = KnnBank.Create(data);
        using var search = KnnSearch.Create(bank, SearchMode.Cells);
        foreach (int k in new[] { 1, 10 })
        {
            using var flat = KnnKernel.Search(bank, queries, k);
            using var cells = search.Search(queries, k);
            AssertSame(flat, cells);
        }
    }

    /// <summary>
    /// Exact duplicates of every query in three different cells, and near-ties (one float32 step apart) in others: the
    /// tie rule must pick the lowest ORIGINAL index although the cell order puts another copy first.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    public void DuplicatesAndNearTiesSplitAcrossCells_LowestOriginalIndexWins(int k)
    {
        using var gen = new Generator(21);
        using var baseRows = randn(new long[] { 40, 16 }, generator: gen);
        var values = baseRows.data<float>().ToArray();
        for (int i = 0; i < 40; i++) values[i * 16] = MathF.BitIncrement(values[i * 16]);
        using var bumped = tensor(values).reshape(40, 16);
        using var noise = randn(new long[] { 200, 16 }, generator: gen) * 3f;
        // Layout: noise, copies, near-ties, copies, copies. 4 cells; copies of row i land in cells (i + j) % 4.
        using var data = cat(new[] { noise, baseRows, bumped, baseRows, baseRows }, 0).contiguous();
        int n = (int)data.shape[0];
        var cell = new int[n];
        for (int i = 0; i < n; i++) cell[i] = i < 200 ? i % 4 : ((i - 200) % 40 + (i - 200) / 40) % 4;
        // Arbitrary centroids: the measured radii make any centroid exact, only the work changes.
        using var centroids = randn(new long[] { 4, 16 }, generator: gen);
        using var cells = CellIndex.FromAssignment(data, centroids, cell);
        using var bank = KnnBank.Create(data);
        using var queries = baseRows.clone();
        using var flat = KnnKernel.Search(bank, queries, k);
        var excluded = Enumerable.Repeat(BankRange.None, 40).ToArray();
        using var got = CellSearch.Search(cells, queries, k, excluded, KnnOptions.Default, null, null);
        AssertSame(flat, got);
        KnnReference.AssertExact(got, KnnReference.AllDistances(queries, data), k);
        Assert.Equal(Enumerable.Range(0, 40).Select(i => 200L + i), got.Indices.select(1, 0).data<long>().ToArray());
    }

    /// <summary>
    /// Rows inside a cell are ordered by their distance from the centroid, and a query's ring keeps only the rows its
    /// reach can touch: a cell of rows at distance 1..10 from its centroid on a line, a query at distance 5 with reach
    /// 1.5 needs the rows at 4, 5 and 6 only; a shell of rows all at one distance from the centroid on many axes
    /// (a ring cannot exclude them: each row's ring bound is 0 for a query at that distance) is searched exactly.
    /// </summary>
    [Fact]
    public void Ring_KeepsOnlyTheRowsWithinReachOfTheQuerysDistanceFromTheCentroid()
    {
        var rows = new float[10 * 4];
        for (int i = 0; i < 10; i++) rows[(9 - i) * 4] = i + 1; // stored far to near: the index sorts them
        using var data = tensor(rows).reshape(10, 4);
        using var centroid = zeros(1, 4);
        using var cells = CellIndex.FromAssignment(data, centroid, new int[10]);
        Assert.Equal(Enumerable.Range(1, 10).Select(t => (double)t), cells.RowDistance);
        var (from, to) = cells.Ring(0, 5, 5, 1.5);
        Assert.Equal(new[] { 4.0, 5, 6 }, cells.RowDistance[from..to]);
        Assert.Equal((10, 10), cells.Ring(0, 20, 20, 1.5));   // beyond the outermost row
        Assert.Equal((0, 10), cells.Ring(0, 5, 5, double.PositiveInfinity)); // no bound yet: the whole cell

        // Inner and outer shells around one centre, split over two cells; queries on the middle shell.
        using var gen = new Generator(91);
        var dirs = randn(new long[] { 600, 12 }, generator: gen);
        dirs /= dirs.norm(1, keepdim: true);
        var radii = tensor(Enumerable.Range(0, 600).Select(i => (float)(1 + i % 3)).ToArray()).unsqueeze(1); // 1, 2, 3
        using var shells = (dirs * radii).contiguous();
        using var two = zeros(2, 12);
        two[1, 0] = 0.01f;
        using var split = CellIndex.FromAssignment(shells, two, Enumerable.Range(0, 600).Select(i => i % 2).ToArray());
        using var bank = KnnBank.Create(shells);
        using var queries =
            (randn(new long[] { 40, 12 }, generator: gen) is var q ? q / q.norm(1, keepdim: true) * 2 : null)!;
        var none = Enumerable.Repeat(BankRange.None, 40).ToArray();
        var stats = new KnnSearchStats();
        using var flat = KnnKernel.Search(bank, queries, 5);
        using var got = CellSearch.Search(split, queries, 5, none, KnnOptions.Default, null, stats);
        AssertSame(flat, got);
        KnnReference.AssertExact(got, KnnReference.AllDistances(queries, shells), 5);
    }

    [Fact]
    public void OneRowCellsAndEmptyCells_SameAsFlat()
    {
        using var gen = new Generator(31);
        using var data = randn(new long[] { 500, 20 }, generator: gen);
        using var queries = randn(new long[] { 64, 20 }, generator: gen);
        // 50 cells: rows 0..9 alone in cells 0..9, cells 10..19 empty, the rest spread over cells 20..49.
        var cell = Enumerable.Range(0, 500).Select(i => i < 10 ? i : 20 + i % 30).ToArray();
        using var centroids = randn(new long[] { 50, 20 }, generator: gen);
        using var cells = CellIndex.FromAssignment(data, centroids, cell);
        Assert.Equal(1, cells.CellSize(3));
        Assert.Equal(0, cells.CellSize(15));
        using var bank = KnnBank.Create(data);
        var none = Enumerable.Repeat(BankRange.None, 64).ToArray();
        foreach (int k in new[] { 1, 10 })
        {
            using var flat = KnnKernel.Search(bank, queries, k);
            using var got = CellSearch.Search(cells, queries, k, none, KnnOptions.Default, null, null);
            AssertSame(flat, got);
        }
        // A query sitting on a one-row cell's row finds it at distance 0.
        using var onRow = data.narrow(0, 3, 1).clone();
        using var self = CellSearch.Search(cells, onRow, 1, [BankRange.None], KnnOptions.Default, null, null);
        Assert.Equal(3L, self.Indices.item<long>());
        Assert.Equal(0f, self.Distances.item<float>());
    }

    [Fact]
    public void FarQueries_VisitEveryCell_AndStayExact()
    {
        using var data = Clustered(4000, 32, 8, 41);
        using var gen = new Generator(42);
        // Far from everything and roughly equidistant from every cell: no cell can be ruled out before the last.
        using var queries = randn(new long[] { 16, 32 }, generator: gen) * 1000f;
        using var bank = KnnBank.Create(data);
        using var search = KnnSearch.Create(bank, SearchMode.Cells);
        var stats = new KnnSearchStats();
        foreach (int k in new[] { 1, 10 })
        {
            using var flat = KnnKernel.Search(bank, queries, k);
            using var cells = search.Search(queries, k, stats: stats);
            AssertSame(flat, cells);
            KnnReference.AssertExact(cells, KnnReference.AllDistances(queries, data), k);
        }
        Assert.True(stats.CellsVisited > 0);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    public void Exclusions_SameAsFlat(int k)
    {
        using var data = Clustered(5000, 32, 10, 51);
        using var bank = KnnBank.Create(data);
        using var search = KnnSearch.Create(bank, SearchMode.Cells);
        // Bank rows as queries: each excludes itself (the density fit) ...
        using var queries = data.narrow(0, 1000, 200).clone();
        using var self = arange(1000, 1200, dtype: ScalarType.Int64);
        using (var flat = KnnKernel.Search(bank, queries, k, self))
        using (var cells = search.Search(queries, k, self))
        {
            AssertSame(flat, cells);
            KnnReference.AssertExact(cells, KnnReference.AllDistances(queries, data), k, self.data<long>().ToArray());
        }
        // ... or a whole image's range (leave-one-image-out).
        var ranges = Enumerable.Repeat(new BankRange(900, 1300), 200).ToArray();
        using (var flat = KnnKernel.Search(bank, queries, k, excludeRanges: ranges))
        using (var cells = search.Search(queries, k, excludeRanges: ranges))
        {
            AssertSame(flat, cells);
            Assert.DoesNotContain(cells.Indices.data<long>().ToArray(), i => i >= 900 && i < 1300);
        }
    }

    /// <summary>More queries than one block: they are searched in the order of their nearest cell and answered in
    /// theirs.</summary>
    [Fact]
    public void ManyQueries_SearchedInCellOrder_AnsweredInTheCallersOrder()
    {
        using var data = Clustered(6000, 24, 10, 81);
        using var bank = KnnBank.Create(data);
        using var search = KnnSearch.Create(bank, SearchMode.Cells);
        using var self = arange(6000, dtype: ScalarType.Int64);
        using var flat = KnnKernel.Search(bank, data, 10, self);
        using var cells = search.Search(data, 10, self);
        AssertSame(flat, cells);
    }

    [Fact]
    public void Auto_PicksCellsOnRepeatedRows_AndFlatOnRandomTexture()
    {
        using var repeated = Clustered(20_000, 32, 16, 61);
        using var repeatedBank = KnnBank.Create(repeated);
        using var onRepeated = KnnSearch.Create(repeatedBank, SearchMode.Auto);
        Assert.Equal(SearchMode.Cells, onRepeated.Mode);
        Assert.True(onRepeated.ProbeFraction <= KnnSearch.AutoLimit(repeatedBank));

        using var gen = new Generator(62);
        using var texture = randn(new long[] { 20_000, 64 }, generator: gen);
        using var textureBank = KnnBank.Create(texture);
        using var onTexture = KnnSearch.Create(textureBank, SearchMode.Auto);
        Assert.Equal(SearchMode.Flat, onTexture.Mode);
        Assert.True(onTexture.ProbeFraction > KnnSearch.AutoLimit(textureBank), $"probe {onTexture.ProbeFraction}");
    }

    /// <summary>Auto's limit is the measured break-even where both searches screen with the same GEMM, and moves by
    /// the GEMMs' timed speed ratio where the flat screen runs the other one.</summary>
    [Fact]
    public void AutoLimit_FollowsTheGemmsEachSearchUses()
    {
        using var data = Clustered(2000, 32, 8, 63);
        using var bank = KnnBank.Create(data);
        var same = new KnnOptions { Bf16Gemm = Bf16Gemm.Mkl, CellBf16Gemm = Bf16Gemm.Mkl };
        Assert.Equal(KnnSearch.AutoMaxFraction, KnnSearch.AutoLimit(bank, same));
        Assert.Equal(KnnSearch.AutoMaxFraction,
            KnnSearch.AutoLimit(bank, same with { Bf16Gemm = Bf16Gemm.LibTorch, CellBf16Gemm = Bf16Gemm.LibTorch }));
        var (_, mkl, libTorch) = Bf16GemmChoice.Timing;
        double mixed = KnnSearch.AutoLimit(bank, same with { Bf16Gemm = Bf16Gemm.LibTorch });
        if (bank.ScreensInBf16 && ScreenPrecisionProbe.MklBf16Passes && ScreenPrecisionProbe.LibTorchBf16Passes)
            Assert.Equal(Math.Min(1, KnnSearch.AutoMaxFraction * libTorch / mkl), mixed, 12);
        else
            Assert.Equal(KnnSearch.AutoMaxFraction, mixed);
    }

    [Fact]
    public void BankUpdateAppend_NewRowsJoinTheirNearestCell_SameAsRebuilt()
    {
        using var data = Clustered(3000, 32, 8, 71);
        using var added = Clustered(400, 32, 8, 72);
        using var bank = KnnBank.Create(data);
        using var search = KnnSearch.Create(bank, SearchMode.Cells);
        using var union = bank.Append(added);
        using var grown = search.Appended(union, ownsBank: false);
        Assert.Equal(SearchMode.Cells, grown.Mode);
        Assert.Equal(search.Cells!.CellCount, grown.Cells!.CellCount);
        using var queries = Clustered(200, 32, 8, 73);
        using var all = cat(new[] { data, added }, 0);
        using var flatUnion = KnnBank.Create(all);
        foreach (int k in new[] { 1, 10 })
        {
            using var flat = KnnKernel.Search(flatUnion, queries, k);
            using var cells = grown.Search(queries, k);
            AssertSame(flat, cells);
        }
    }
}
