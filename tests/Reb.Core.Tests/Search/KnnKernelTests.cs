using Reb.Core.Search;
using TorchSharp;
using static TorchSharp.torch;

namespace Reb.Core.Tests.Search;

public class KnnKernelTests
{
    public static IEnumerable<object[]> Precisions() =>
        new[] { new object[] { KnnPrecision.Float32 }, new object[] { KnnPrecision.Bf16Screened } };

    private static Tensor Uniform(long n, int d, ulong seed) => rand(new long[] { n, d }, generator: new Generator(seed));

    [Theory]
    [MemberData(nameof(Precisions))]
    public void UniformData_MatchesDoubleBruteForce(KnnPrecision precision)
    {
        using var bankData = Uniform(3000, 64, 1);
        using var queries = Uniform(40, 64, 2);
        var options = new KnnOptions { Precision = precision };
        using var bank = KnnBank.Create(bankData, options);
        using var result = KnnKernel.Search(bank, queries, 10, options: options);
        KnnReference.AssertExact(result, KnnReference.AllDistances(queries, bankData), 10);
    }

    [Theory]
    [InlineData(KnnPrecision.Float32, 1)]
    [InlineData(KnnPrecision.Float32, 10)]
    [InlineData(KnnPrecision.Bf16Screened, 1)]
    [InlineData(KnnPrecision.Bf16Screened, 10)]
    public void PatchLikeFeatures_WithBigCommonOffset_MatchDoubleBruteForce(KnnPrecision precision, int k)
    {
        using var bankData = KnnSyntheticData.PatchLike(6000, 256, seed: 3);
        using var queries = KnnSyntheticData.PatchLike(48, 256, seed: 3, sampleSeed: 99);
        Assert.True(bankData.min().item<float>() >= 0, "ReLU features are non-negative");
        var options = new KnnOptions { Precision = precision, BankChunk = 1024, QueryChunk = 20 };
        using var bank = KnnBank.Create(bankData, options);
        var stats = new KnnSearchStats();
        using var result = KnnKernel.Search(bank, queries, k, options: options, stats: stats);
        KnnReference.AssertExact(result, KnnReference.AllDistances(queries, bankData), k);
        Assert.Equal(48, stats.Queries);
        if (precision == KnnPrecision.Bf16Screened && NativeGemm.IsAvailable)
        {
            Assert.True(stats.UsedBf16Gemm);
            // On realistic data the certificate must hold for most queries, or the screen is pointless.
            Assert.True(stats.Float32Fallbacks <= 48 / 4, $"{stats.Float32Fallbacks} of 48 queries needed the float32 fallback");
        }
    }

    [Theory]
    [MemberData(nameof(Precisions))]
    public void ExactDuplicatesAndSelfExclusion(KnnPrecision precision)
    {
        using var unique = Uniform(700, 32, 5);
        using var bankData = cat(new[] { unique, unique, unique.narrow(0, 0, 300) }); // every row 2-3 times
        long n = bankData.shape[0];
        var selfIndices = new long[] { 0, 1, 699, 700, 1399, 1400, n - 1, 350 };
        using var queries = bankData.index_select(0, tensor(selfIndices));
        using var exclude = tensor(selfIndices);
        var options = new KnnOptions { Precision = precision };
        using var bank = KnnBank.Create(bankData, options);
        using var result = KnnKernel.Search(bank, queries, 5, exclude, options);
        KnnReference.AssertExact(result, KnnReference.AllDistances(queries, bankData), 5, selfIndices);
        // Each query has a duplicate elsewhere in the bank, so its nearest distance is exactly 0.
        Assert.All(result.Distances.select(1, 0).data<float>().ToArray(), d => Assert.Equal(0f, d));
    }

    [Theory]
    [MemberData(nameof(Precisions))]
    public void ChunkBoundaries_SingleQuery_AndWholeBank(KnnPrecision precision)
    {
        using var bankData = Uniform(1001, 48, 7);
        using var queries = Uniform(23, 48, 8);
        var options = new KnnOptions { Precision = precision, BankChunk = 128, QueryChunk = 7, ScreenExtra = 3 };
        using var bank = KnnBank.Create(bankData, options);
        var reference = KnnReference.AllDistances(queries, bankData);

        using (var one = KnnKernel.Search(bank, queries.narrow(0, 0, 1), 1, options: options))
            KnnReference.AssertExact(one, reference.Take(1).ToArray(), 1);
        using (var all = KnnKernel.Search(bank, queries, 10, options: options))
            KnnReference.AssertExact(all, reference, 10);

        // k = every bank vector but the excluded one: the screen keeps everything.
        var exclude = Enumerable.Range(0, 23).Select(i => (long)(i * 40)).ToArray();
        using var excludeT = tensor(exclude);
        using var whole = KnnKernel.Search(bank, queries, 1000, excludeT, options);
        KnnReference.AssertExact(whole, reference, 1000, exclude);
    }

    [Fact]
    public void ExactTies_ExerciseBothFallbacks_AndStayExact()
    {
        // Bank = query +/- r e_i: all 2d points at exactly the same distance r^2 from the query, so neither
        // screen can certify with few extra candidates; the brute-force fallback must give the exact answer.
        const int d = 64;
        using var query = Uniform(1, d, 11) + 3f;
        using var axes = eye(d) * 0.5f;
        using var bankData = cat(new[] { query + axes, query - axes, Uniform(200, d, 12) + 10f });
        var options = new KnnOptions { Precision = KnnPrecision.Bf16Screened, ScreenExtra = 2 };
        using var bank = KnnBank.Create(bankData, options);
        var stats = new KnnSearchStats();
        using var result = KnnKernel.Search(bank, query, 5, options: options, stats: stats);
        KnnReference.AssertExact(result, KnnReference.AllDistances(query, bankData), 5);
        Assert.Equal(1, stats.BruteForceFallbacks);
        if (NativeGemm.IsAvailable) Assert.Equal(1, stats.Float32Fallbacks);
    }

    [Fact]
    public void NearTies_Bf16CannotCertify_Float32FallbackIsExact()
    {
        // Neighbours at squared distances 1 + 0.02 j around a query far from the bank mean (a second cluster
        // pulls the mean away): the gaps are far below the bfloat16 error bound (which grows with the
        // centred norms) and well above the float32 one.
        const int d = 64, count = 300;
        using var gen = new Generator(13);
        using var query = 0.1f * rand(new long[] { 1, d }, generator: gen);
        using var directions = randn(new long[] { count, d }, generator: gen);
        using var unit = directions / directions.norm(1, true);
        using var radii = (1 + 0.02f * arange(count, ScalarType.Float32)).sqrt().unsqueeze(1);
        using var far = query + 0.75f + 0.01f * randn(new long[] { count, d }, generator: gen);
        using var bankData = cat(new[] { query + unit * radii, far }).contiguous();
        var options = new KnnOptions { Precision = KnnPrecision.Bf16Screened, ScreenExtra = 2 };
        using var bank = KnnBank.Create(bankData, options);
        var stats = new KnnSearchStats();
        using var result = KnnKernel.Search(bank, query, 3, options: options, stats: stats);
        KnnReference.AssertExact(result, KnnReference.AllDistances(query, bankData), 3);
        if (NativeGemm.IsAvailable) Assert.Equal(1, stats.Float32Fallbacks);
        Assert.Equal(0, stats.BruteForceFallbacks);
    }

    [Fact]
    public void ProgressReachesOne()
    {
        using var bankData = Uniform(500, 16, 21);
        using var queries = Uniform(50, 16, 22);
        using var bank = KnnBank.Create(bankData);
        var reports = new List<double>();
        using var result = KnnKernel.Search(bank, queries, 2, options: new KnnOptions { QueryChunk = 16 }, progress: new SyncProgress(reports));
        Assert.Equal(new[] { 16 / 50.0, 32 / 50.0, 48 / 50.0, 1.0 }, reports);
    }

    private sealed class SyncProgress(List<double> sink) : IProgress<double>
    {
        public void Report(double value) => sink.Add(value);
    }

    [Fact]
    public void BadInput_ThrowsArgumentException()
    {
        using var bankData = Uniform(10, 8, 31);
        using var bank = KnnBank.Create(bankData);
        using var queries = Uniform(3, 8, 32);
        Assert.Contains("exceeds", Assert.Throws<ArgumentException>(() => KnnKernel.Search(bank, queries, 11)).Message);
        using var self = tensor(new long[] { 0, -1, 2 });
        Assert.Contains("after exclusion", Assert.Throws<ArgumentException>(() => KnnKernel.Search(bank, queries, 10, self)).Message);
        using var wrongDim = Uniform(3, 9, 33);
        Assert.Contains("dimension", Assert.Throws<ArgumentException>(() => KnnKernel.Search(bank, wrongDim, 1)).Message);
        using var doubles = queries.to(ScalarType.Float64);
        Assert.Contains("float32", Assert.Throws<ArgumentException>(() => KnnKernel.Search(bank, doubles, 1)).Message);
        using var bankDoubles = bankData.to(ScalarType.Float64);
        Assert.Contains("float32", Assert.Throws<ArgumentException>(() => KnnBank.Create(bankDoubles)).Message);
        using var outside = tensor(new long[] { 0, 10, 2 });
        Assert.Contains("outside", Assert.Throws<ArgumentException>(() => KnnKernel.Search(bank, queries, 1, outside)).Message);
        Assert.Throws<ArgumentException>(() => KnnKernel.Search(bank, queries, 0));
    }
}
