using Reb.Core.Search;
using static TorchSharp.torch;

namespace Reb.Core.Tests.Search;

/// <summary>
/// The two pieces of the search that moved from libtorch's float64 operations to plain loops and a float32 GEMM: the
/// screen copy must round as libtorch does and measure the bound's terms from the exact values, and the cells' lower
/// bounds must stay below the true distances, also where a large common offset makes the float32 GEMM cancel.
/// </summary>
public class ScreenCopyAndCellBoundsTests
{
    [Theory]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float32)]
    public void ScreenCopy_RoundsAsLibTorch_AndMeasuresTheExactTerms(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var gen = new Generator(5);
        var rows = randn(new long[] { 700, 40 }, generator: gen) * 3f + 1.5f;
        var mean = rows.mean(new long[] { 0 });
        const double scale = 0.125;
        var (low, normSq, residual, finite) = ScreenCopy.Of(rows, mean, scale, dtype);
        Assert.True(finite);
        // libtorch's path (the one replaced): float32 centring, exact float64 scaling, rounding to the screen dtype.
        var scaled = (rows - mean).to(ScalarType.Float64) * scale;
        var expected = scaled.to(dtype);
        Assert.True(low.to(ScalarType.Float64).eq(expected.to(ScalarType.Float64)).all().item<bool>());
        var wantNorm = scaled.pow(2).sum(1).data<double>().ToArray();
        var wantResidual = (scaled - expected.to(ScalarType.Float64)).pow(2).sum(1).sqrt().data<double>().ToArray();
        for (int r = 0; r < normSq.Length; r++)
        {
            Assert.Equal(wantNorm[r], normSq[r], wantNorm[r] * 1e-12);
            Assert.Equal(wantResidual[r], residual[r], wantResidual[r] * 1e-9 + 1e-300);
        }
        if (dtype == ScalarType.BFloat16) Assert.Contains(residual, x => x > 0); // the rounding is measured, not 0
    }

    [Fact]
    public void ScreenCopy_ReportsAnOverflowOnceCentred()
    {
        using var scope = NewDisposeScope();
        var rows = tensor(new float[] { float.MaxValue, 0f, -float.MaxValue, 0f }).reshape(2, 2);
        var mean = tensor(new float[] { -float.MaxValue, 0f });
        Assert.False(ScreenCopy.Of(rows, mean, 1.0, ScalarType.BFloat16).Finite);
    }

    [Fact]
    public void CellLowerBounds_AreBelowEveryRowsTrueDistance_AndDoNotFadeUnderACommonOffset()
    {
        double sumPlain = Bounds(0f), sumOffset = Bounds(1000f);
        Assert.True(sumPlain > 0);
        // A common offset 1000x the spread: uncentred, the float32 GEMM's error (which grows with the norms) took
        // every bound to 0. Centred on the bank mean, the bounds are those of the plain bank.
        Assert.True(sumOffset >= 0.95 * sumPlain, $"bounds sum {sumOffset:G4} with the offset, {sumPlain:G4} without");
    }

    /// <summary>Checks every (cell, query) bound against the rows' float64 distances; returns their sum.</summary>
    private static double Bounds(float offset)
    {
        using var scope = NewDisposeScope();
        using var gen = new Generator(9);
        var data = randn(new long[] { 2000, 32 }, generator: gen) + offset;
        var queries = randn(new long[] { 150, 32 }, generator: gen) * 1.5f + offset;
        using var cells = CellBuilder.Build(data, cells: 40);
        var bounds = cells.LowerBounds(queries);
        var q = queries.to(ScalarType.Float64).data<double>().ToArray();
        var rows = cells.Bank.Vectors.to(ScalarType.Float64).data<double>().ToArray();
        int d = 32;
        double total = 0;
        for (int c = 0; c < cells.CellCount; c++)
            for (int r = 0; r < bounds.Rows; r++)
            {
                double lower = bounds.Lower[(long)c * bounds.Rows + r], nearest = double.PositiveInfinity;
                for (int p = cells.CellStart[c]; p < cells.CellStart[c + 1]; p++)
                {
                    double sum = 0;
                    for (int j = 0; j < d; j++)
                    {
                        double diff = q[r * d + j] - rows[p * d + j];
                        sum += diff * diff;
                    }
                    nearest = Math.Min(nearest, sum);
                }
                Assert.True(lower <= nearest, $"cell {c}, query {r}: bound {lower:R} above its nearest {nearest:R}");
                if (!double.IsPositiveInfinity(lower)) total += lower;
            }
        return total;
    }
}
