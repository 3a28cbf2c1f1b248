using Reb.Core.Search;
using static TorchSharp.torch;

namespace Reb.Core.Tests.Search;

/// <summary>
/// The reverse reading of a search's screen (what a bank update uses to find the old rows a new row came nearer to):
/// every bank row some query lies strictly nearer to than its radius must be kept, on near-duplicate rows too; and the
/// bound is tight enough to rule most rows out.
/// </summary>
public class ColumnLowerBoundsTests
{
    [Theory]
    [InlineData(KnnPrecision.Bf16Screened)]
    [InlineData(KnnPrecision.Float32)]
    public void Rows_a_query_comes_nearer_to_than_their_radius_are_always_kept(KnnPrecision precision)
    {
        using var gen = new Generator(11);
        // Patch-like rows (non-negative, shared offset) with near-duplicates: rows 0..99 are copies of rows 100..199
        // plus noise at 1e-4, and queries 0..9 copy bank rows exactly.
        var bank = nn.functional.relu(randn(new long[] { 1200, 64 }, generator: gen)) + 0.5f;
        bank.narrow(0, 0, 100).copy_(bank.narrow(0, 100, 100) + randn(new long[] { 100, 64 }, generator: gen) * 1e-4f);
        var queries = nn.functional.relu(randn(new long[] { 300, 64 }, generator: gen)) + 0.5f;
        queries.narrow(0, 0, 10).copy_(bank.narrow(0, 500, 10));
        using var knn = KnnBank.Create(bank, new KnnOptions { Precision = precision });
        var columns = new ColumnLowerBounds(knn.Count);
        using var r = KnnKernel.Search(knn, queries, 3, null, new KnnOptions
        {
            Precision = precision,
            QueryChunk = 64,
            BankChunk = 256
        },
            null, null, null, columns);

        // Exact nearest query of every bank row, in float32 as the kernel reports distances.
        var all = KnnReference.AllDistances(queries, bank);
        var nearest = Enumerable.Range(0, (int)knn.Count).Select(j => (float)all.Min(row => row[j])).ToArray();

        // Radius just above each row's nearest query: every row must be kept.
        var above = nearest.Select(d => MathF.BitIncrement(d)).ToArray();
        Assert.Equal(Enumerable.Range(0, above.Length).Select(j => (long)j), columns.Within(knn, above));
        // Radius at the row's nearest distance: a superset of the rows with a query strictly nearer (none), so any set.
        // Radius at half of it: no query is that near; the bound must rule out most rows (it is not vacuous).
        var half = nearest.Select(d => d / 2).ToArray();
        var kept = columns.Within(knn, half);
        Assert.True(kept.Length < knn.Count / 10,
            $"{kept.Length} of {knn.Count} rows kept at half the nearest distance");
        // Rows a query copies exactly (distance 0) are kept even with a tiny radius.
        var tiny = Enumerable.Repeat(1e-30f, (int)knn.Count).ToArray();
        var exact = columns.Within(knn, tiny);
        Assert.All(Enumerable.Range(500, 10), j => Assert.Contains((long)j, exact));
    }
}
