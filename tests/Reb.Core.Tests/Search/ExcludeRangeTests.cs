using Reb.Core.Search;
using static TorchSharp.torch;

namespace Reb.Core.Tests.Search;

/// <summary>Leave-one-image-out search: a whole range of bank rows is invisible to a query.</summary>
public class ExcludeRangeTests
{
    [Theory]
    [InlineData(KnnPrecision.Bf16Screened)]
    [InlineData(KnnPrecision.Float32)]
    public void RangeIsNeverReturned_AndTheRestIsExact(KnnPrecision precision)
    {
        using var gen = new Generator(5);
        using var bankData = nn.functional.relu(randn(new long[] { 3000, 32 }, generator: gen)) + 2f;
        // The queries ARE bank rows 1000..1099, so without the exclusion each would find itself at distance 0.
        using var queries = bankData.narrow(0, 1000, 100).clone();
        var options = new KnnOptions { Precision = precision, BankChunk = 512, QueryChunk = 64 };
        using var bank = KnnBank.Create(bankData, options);
        var ranges = Enumerable.Repeat(new BankRange(900, 1200), 100).ToArray();
        using var result = KnnKernel.Search(bank, queries, 3, options: options, excludeRanges: ranges);

        var idx = result.Indices.data<long>().ToArray();
        Assert.DoesNotContain(idx, i => i >= 900 && i < 1200);
        // Reference: brute force over the rows outside the range, in float64.
        var b = bankData.to(ScalarType.Float64);
        var q = queries.to(ScalarType.Float64);
        using var all = (q.unsqueeze(1) - b.unsqueeze(0)).pow(2).sum(2);     // [100, 3000]
        all.narrow(1, 900, 300).fill_(double.PositiveInfinity);
        var expected = all.topk(3, largest: false).values.to(ScalarType.Float32).data<float>().ToArray();
        var got = result.Distances.data<float>().ToArray();
        for (int i = 0; i < got.Length; i++) Assert.Equal(expected[i], got[i], 3);
        Assert.All(got, v => Assert.True(v > 0));
    }

    [Fact]
    public void RangeOutsideTheBankOrTooWideIsRefused()
    {
        using var bankData = rand(10, 4);
        using var bank = KnnBank.Create(bankData);
        using var q = rand(1, 4);
        Assert.Contains("not inside the bank", Assert.Throws<ArgumentException>(() =>
            KnnKernel.Search(bank, q, 1, excludeRanges: [new BankRange(5, 11)])).Message);
        Assert.Contains("exceeds", Assert.Throws<ArgumentException>(() =>
            KnnKernel.Search(bank, q, 3, excludeRanges: [new BankRange(0, 8)])).Message);
        Assert.True(new BankRange(2, 4).Contains(3));
        Assert.False(new BankRange(2, 4).Contains(4));
        Assert.False(BankRange.None.Contains(0));
    }
}
