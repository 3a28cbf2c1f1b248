using Reb.Core.Search;
using TorchSharp;
using static TorchSharp.torch;

namespace Reb.Core.Tests.Search;

public class KnnKernelTests
{
    public static IEnumerable<object[]> Precisions() =>
        new[] { new object[] { KnnPrecision.Float32 }, new object[] { KnnPrecision.Bf16Screened } };

    private static Tensor Uniform(long n, int d, ulong seed)
        => rand(new long[] { n, d }, generator: new Generator(seed));

    private static void AssertSearch(Tensor bankData, Tensor queries, int k, KnnOptions options, long[]? exclude = null,
        BankRange[]? ranges = null, KnnSearchStats? stats = null)
    {
        using var bank = KnnBank.Create(bankData, options);
        using var excludeT = exclude is null ? null : tensor(exclude);
        using var result = KnnKernel.Search(bank, queries, k, excludeT, options, stats: stats, excludeRanges: ranges);
        KnnReference.AssertExact(result, KnnReference.AllDistances(queries, bankData), k,
            ranges ?? exclude?.Select(BankRange.Single).ToArray());
    }

    [Theory]
    [MemberData(nameof(Precisions))]
    public void UniformData_MatchesDoubleBruteForce(KnnPrecision precision)
    {
        using var bankData = Uniform(3000, 64, 1);
        using var queries = Uniform(40, 64, 2);
        AssertSearch(bankData, queries, 10, new KnnOptions { Precision = precision });
    }

    [Theory]
    [InlineData(KnnPrecision.Float32, 1)]
    [InlineData(KnnPrecision.Bf16Screened, 1)]
    [InlineData(KnnPrecision.Bf16Screened, 10)]
    public void PatchLikeFeatures_WithBigCommonOffset_MatchAndStayNarrow(KnnPrecision precision, int k)
    {
        using var bankData = KnnSyntheticData.PatchLike(6000, 256, seed: 3);
        using var queries = KnnSyntheticData.PatchLike(48, 256, seed: 3, sampleSeed: 99);
        var options = new KnnOptions { Precision = precision, BankChunk = 1024, QueryChunk = 20 };
        var stats = new KnnSearchStats();
        AssertSearch(bankData, queries, k, options, stats: stats);
        Assert.Equal(48, stats.Queries);
        Assert.Equal(precision == KnnPrecision.Bf16Screened && ScreenPrecisionProbe.Bf16GemmAccumulatesInFloat32,
            stats.UsedBf16Gemm);
        // On realistic data the screen must separate: few exact distances per query, or it is pointless.
        Assert.True(stats.ExactDistances <= 48L * (k + 40),
            $"{stats.ExactDistances} exact distances for 48 queries, k = {k}");
    }

    /// <summary>Each bfloat16 GEMM (and the timed choice between them) screens to the same exact answer, ties and
    /// self-exclusion included: the choice is a speed one only.</summary>
    [Theory]
    [InlineData(Bf16Gemm.Mkl)]
    [InlineData(Bf16Gemm.LibTorch)]
    [InlineData(Bf16Gemm.Auto)]
    public void EachBf16Gemm_GivesTheExactAnswer(Bf16Gemm gemm)
    {
        using var unique = KnnSyntheticData.PatchLike(300, 128, seed: 8);
        using var order = randperm(3000, generator: new Generator(9));
        using var bankData = unique.repeat(10, 1).index_select(0, order).contiguous();
        var self = new long[] { 0, 5, 1499, 2999 };
        using var near = KnnSyntheticData.PatchLike(28, 128, seed: 8, sampleSeed: 10);
        using var queries = cat([bankData.index_select(0, tensor(self)), near]);
        var options = new KnnOptions { Bf16Gemm = gemm, BankChunk = 512, QueryChunk = 16 };
        var stats = new KnnSearchStats();
        AssertSearch(bankData, queries, 5, options, exclude: [.. self, .. Enumerable.Repeat(-1L, 28)], stats: stats);
        Assert.Equal(ScreenPrecisionProbe.Bf16GemmAccumulatesInFloat32, stats.UsedBf16Gemm);
    }

    [Fact]
    public void AutoPicksAGemmThatPassedItsProbe_AndTimedBoth()
    {
        var (gemm, mkl, libTorch) = Bf16GemmChoice.Timing;
        Assert.NotEqual(Bf16Gemm.Auto, gemm);
        Assert.Equal(gemm, Bf16GemmChoice.Resolve(Bf16Gemm.Auto));
        Assert.Equal(Bf16Gemm.Mkl, Bf16GemmChoice.Resolve(Bf16Gemm.Mkl));
        if (ScreenPrecisionProbe.MklBf16Passes && ScreenPrecisionProbe.LibTorchBf16Passes)
        {
            Assert.True(mkl > 0 && libTorch > 0, $"timings {mkl} s (MKL), {libTorch} s (libtorch)");
            Assert.Equal(libTorch * Bf16GemmChoice.LibTorchMargin < mkl ? Bf16Gemm.LibTorch : Bf16Gemm.Mkl, gemm);
        }
        else
            Assert.Equal(ScreenPrecisionProbe.MklBf16Passes ? Bf16Gemm.Mkl : Bf16Gemm.LibTorch, gemm);
    }

    [Theory]
    [MemberData(nameof(Precisions))]
    public void ManyExactDuplicates_TiesGoToTheLowestIndex_WithSelfExclusion(KnnPrecision precision)
    {
        // 30 distinct rows, each repeated 40 times in a shuffled order: every query meets dozens of exact ties.
        using var unique = Uniform(30, 32, 5);
        using var order = randperm(1200, generator: new Generator(6));
        using var bankData = unique.repeat(40, 1).index_select(0, order).contiguous();
        var self = new long[] { 0, 1, 17, 599, 600, 1199 };
        using var queries = bankData.index_select(0, tensor(self));
        AssertSearch(bankData, queries, 7, new KnnOptions { Precision = precision, BankChunk = 256 }, exclude: self);
    }

    [Theory]
    [MemberData(nameof(Precisions))]
    public void ManyNearDuplicates_PlainBackground_AreExact(KnnPrecision precision)
    {
        // A "plain background": 4000 rows within 1e-4 of one patch (far below the bfloat16 resolution of the offset),
        // plus some structure; queries from the background and one of its rows excluded by index.
        const int d = 128;
        using var gen = new Generator(7);
        using var patch = rand(new long[] { 1, d }, generator: gen) + 1f;
        using var background = patch + 1e-4f * randn(new long[] { 4000, d }, generator: gen);
        using var structure = patch + rand(new long[] { 500, d }, generator: gen);
        using var bankData = cat(new[] { background, structure }).contiguous();
        using var queries = cat(new[] { patch + 1e-4f * randn(new long[] { 20, d }, generator: gen),
            bankData.narrow(0, 10, 4) }).contiguous();
        var exclude = Enumerable.Repeat(-1L, 20).Concat(new long[] { 10, 11, 12, 13 }).ToArray();
        AssertSearch(bankData, queries, 5, new KnnOptions { Precision = precision, BankChunk = 1000, QueryChunk = 9 },
            exclude: exclude);
    }

    [Fact]
    public void AdversarialNearTies_OnASphere_AreOrderedExactly()
    {
        // Bank = query + r e_i, some radii nudged by one float32 step: distances equal or a hair apart, far below the
        // bfloat16 screen's resolution; the ranking must follow the float32 distances, then the index.
        const int d = 512;
        using var query = Uniform(1, d, 11) + 3f;
        var offsets = new float[2 * d * d];
        for (int i = 0; i < 2 * d; i++)
        {
            float r = 0.5f;
            if (i % 7 == 3) r = MathF.BitIncrement(r);
            if (i % 11 == 5) r = MathF.BitDecrement(r);
            offsets[i * d + i % d] = i < d ? r : -r;
        }
        using var offsetsT = tensor(offsets).reshape(2 * d, d);
        using var bankData = cat(new[] { query + offsetsT, Uniform(300, d, 12) + 3f }).contiguous();
        using var queries = cat(new[] { query, query + 1e-3f }).contiguous();
        foreach (var precision in new[] { KnnPrecision.Bf16Screened, KnnPrecision.Float32 })
            AssertSearch(bankData, queries, 20, new KnnOptions { Precision = precision });
    }

    [Theory]
    [InlineData(KnnPrecision.Bf16Screened)]
    [InlineData(KnnPrecision.Float32)]
    public void KGreaterThanOne_WithExclusionByIndexAndByRange_AtD512(KnnPrecision precision)
    {
        using var bankData = KnnSyntheticData.PatchLike(5000, 512, seed: 8, spread: 0.2);
        var self = Enumerable.Range(0, 24).Select(i => (long)(i * 197)).ToArray();
        using var queries = bankData.index_select(0, tensor(self));
        var options = new KnnOptions { Precision = precision, BankChunk = 777, QueryChunk = 10 };
        AssertSearch(bankData, queries, 10, options, exclude: self);
        var ranges = self.Select(s => new BankRange(Math.Max(0, s - 50), Math.Min(5000, s + 50))).ToArray();
        AssertSearch(bankData, queries, 10, options, ranges: ranges);
    }

    [Theory]
    [InlineData(1e19f, 1e17f)]  // norms near 1e19: squared raw norms overflow float32, distances do not
    [InlineData(1e-20f, 1e-21f)] // tiny scale: screen products would underflow float32 without the scaling
    [InlineData(1e-41f, 1e-42f)] // denormal inputs: float32 distances are 0 or denormal, ties everywhere
    public void ExtremeScales_AreExact(float offset, float spread)
    {
        using var gen = new Generator(9);
        const int d = 64;
        using var bankData = (offset + spread * randn(new long[] { 2000, d }, generator: gen)).contiguous();
        using var queries = (offset + spread * randn(new long[] { 16, d }, generator: gen)).contiguous();
        Assert.True(bankData.isfinite().all().item<bool>());
        foreach (var precision in new[] { KnnPrecision.Bf16Screened, KnnPrecision.Float32 })
            AssertSearch(bankData, queries, 3, new KnnOptions { Precision = precision });
    }

    [Fact]
    public void OverflowingDistances_AreAClearError_NotAWrongAnswer()
    {
        using var spreadOut = tensor(new float[] { -3e19f, 3e19f, 0, 0, 1, 0, 0, 1 }).reshape(4, 2);
        Assert.Contains("overflow", Assert.Throws<ArgumentException>(() => KnnBank.Create(spreadOut)).Message);

        // A bank of spread 1e18 (its own distances fit float32) and a query 20 radii away: its distances do not.
        using var bigBank = Uniform(100, 8, 40) * 1e18f;
        using var big = KnnBank.Create(bigBank);
        using var far = full(1, 8, 2e19f);
        Assert.Contains("overflow", Assert.Throws<ArgumentException>(() => KnnKernel.Search(big, far, 1)).Message);

        using var bankData = Uniform(100, 8, 41);
        using var bank = KnnBank.Create(bankData);
        using var veryFar = full(1, 8, 1e15f);
        Assert.Contains("radius", Assert.Throws<ArgumentException>(() => KnnKernel.Search(bank, veryFar, 1)).Message);
    }

    [Theory]
    [MemberData(nameof(Precisions))]
    public void ChunkBoundaries_SingleQuery_AndWholeBank(KnnPrecision precision)
    {
        using var bankData = Uniform(1001, 48, 7);
        using var queries = Uniform(23, 48, 8);
        var options = new KnnOptions { Precision = precision, BankChunk = 128, QueryChunk = 7 };
        using var bank = KnnBank.Create(bankData, options);
        var reference = KnnReference.AllDistances(queries, bankData);

        using (var one = KnnKernel.Search(bank, queries.narrow(0, 0, 1), 1, options: options))
            KnnReference.AssertExact(one, reference.Take(1).ToArray(), 1);
        using (var all = KnnKernel.Search(bank, queries, 10, options: options))
            KnnReference.AssertExact(all, reference, 10);

        // k = every bank vector but the excluded one.
        var exclude = Enumerable.Range(0, 23).Select(i => (long)(i * 40)).ToArray();
        using var excludeT = tensor(exclude);
        using var whole = KnnKernel.Search(bank, queries, 1000, excludeT, options);
        KnnReference.AssertExact(whole, reference, 1000, exclude);
    }

    [Fact]
    public void ProgressReachesOne()
    {
        using var bankData = Uniform(500, 16, 21);
        using var queries = Uniform(50, 16, 22);
        using var bank = KnnBank.Create(bankData);
        var reports = new List<double>();
        using var result = KnnKernel.Search(bank, queries, 2, options: new KnnOptions { QueryChunk = 16 },
            progress: new SyncProgress(reports));
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
        Assert.Contains("after exclusion",
            Assert.Throws<ArgumentException>(() => KnnKernel.Search(bank, queries, 10, self)).Message);
        using var wrongDim = Uniform(3, 9, 33);
        Assert.Contains("dimension",
            Assert.Throws<ArgumentException>(() => KnnKernel.Search(bank, wrongDim, 1)).Message);
        using var doubles = queries.to(ScalarType.Float64);
        Assert.Contains("float32", Assert.Throws<ArgumentException>(() => KnnKernel.Search(bank, doubles, 1)).Message);
        using var bankDoubles = bankData.to(ScalarType.Float64);
        Assert.Contains("float32", Assert.Throws<ArgumentException>(() => KnnBank.Create(bankDoubles)).Message);
        using var outside = tensor(new long[] { 0, 10, 2 });
        Assert.Contains("outside",
            Assert.Throws<ArgumentException>(() => KnnKernel.Search(bank, queries, 1, outside)).Message);
        Assert.Throws<ArgumentException>(() => KnnKernel.Search(bank, queries, 0));
        using var nan = queries.clone(); nan[1, 2] = float.NaN;
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => KnnKernel.Search(bank, nan, 1)).Message);
    }
}
