using Reb.Core.Search;
using Reb.Core.Tests.DefectMaker;
using TorchSharp;
using static TorchSharp.torch;

namespace Reb.Core.Tests.Search;

/// <summary>
/// The screen path a GPU silo takes (libtorch's float32 mm on the screen's device, tiles copied back for the scan),
/// run on the CPU: exact against float64 brute force and bitwise the native kernel's answer, on near-duplicate rows
/// too. </summary>
public class DeviceScreenTests
{
    private static readonly KnnOptions DevicePath = new()
    {
        Precision = KnnPrecision.Float32,
        Float32Gemm = Float32Gemm.LibTorch,
        ScreenDevice = CPU,
        BankChunk = 512,
        QueryChunk = 16
    };

    [Fact]
    public void TheDeviceGenericScreenIsExactAndBitwiseTheNativeKernel()
    {
        using var bankData = KnnSyntheticData.PatchLike(4000, 128, seed: 7);
        using var queries = KnnSyntheticData.PatchLike(40, 128, seed: 7, sampleSeed: 70);
        var stats = new KnnSearchStats();
        using var deviceBank = KnnBank.Create(bankData, DevicePath);
        using var viaDevice = KnnKernel.Search(deviceBank, queries, 9, options: DevicePath, stats: stats);
        KnnReference.AssertExact(viaDevice, KnnReference.AllDistances(queries, bankData), 9, (BankRange[]?)null);
        Assert.False(stats.UsedBf16Gemm); // a device screen is float32

        using var nativeBank = KnnBank.Create(bankData);
        using var native = KnnKernel.Search(nativeBank, queries, 9);
        Assert.True(TensorAssert.Same(native.Distances, viaDevice.Distances));
        Assert.True(TensorAssert.Same(native.Indices, viaDevice.Indices));
    }

    [Fact]
    public void NearDuplicateRowsKeepTheLowestIndexTieRuleOnTheDevicePath()
    {
        // 25 distinct rows repeated 48 times with tiny jitter on half of them: the bank shape that made searches
        // collapse.
        using var unique = rand(new long[] { 25, 64 }, generator: new Generator(3));
        using var order = randperm(1200, generator: new Generator(4));
        using var repeated = unique.repeat(48, 1).index_select(0, order).contiguous();
        using var jitter = rand(new long[] { 1200, 64 }, generator: new Generator(5)).mul_(1e-6f);
        using var mask = arange(1200).remainder(2).eq(0).unsqueeze(1);
        using var bankData = where(mask, repeated + jitter, repeated).contiguous();
        var self = new long[] { 0, 5, 599, 1199 };
        using var queries = bankData.index_select(0, tensor(self));
        using var bank = KnnBank.Create(bankData, DevicePath);
        using var excludeT = tensor(self);
        using var result = KnnKernel.Search(bank, queries, 6, excludeT, DevicePath);
        KnnReference.AssertExact(result, KnnReference.AllDistances(queries, bankData), 6,
            self.Select(BankRange.Single).ToArray());
    }
}

/// <summary>An appended bank (only the new rows prepared, the old mean and scale kept) answers like one prepared
/// afresh.</summary>
public class KnnBankAppendTests
{
    [Theory]
    [InlineData(KnnPrecision.Float32)]
    [InlineData(KnnPrecision.Bf16Screened)]
    public void AppendedBankGivesBitwiseTheSearchOfABankPreparedOnTheUnion(KnnPrecision precision)
    {
        using var old = KnnSyntheticData.PatchLike(3000, 96, seed: 21);
        // New rows from elsewhere in feature space (another seed: other clusters, another offset) and some exact copies
        // of old rows.
        using var fresh = cat(new[] { KnnSyntheticData.PatchLike(300, 96, seed: 22), old.narrow(0, 10, 20) }, 0);
        using var union = cat(new[] { old, fresh }, 0);
        var options = new KnnOptions { Precision = precision, BankChunk = 700 };
        using var oldBank = KnnBank.Create(old, options);
        using var appended = oldBank.Append(fresh);
        using var prepared = KnnBank.Create(union, options);
        Assert.Equal(union.shape[0], appended.Count);
        using var queries =
            cat(new[] { KnnSyntheticData.PatchLike(30, 96, seed: 21, sampleSeed: 5), fresh.narrow(0, 0, 10) }, 0);
        using var a = KnnKernel.Search(appended, queries, 7, options: options);
        using var b = KnnKernel.Search(prepared, queries, 7, options: options);
        Assert.True(TensorAssert.Same(a.Distances, b.Distances));
        Assert.True(TensorAssert.Same(a.Indices, b.Indices));
        KnnReference.AssertExact(a, KnnReference.AllDistances(queries, union), 7, (BankRange[]?)null);
        // The old bank is untouched and still searches its own rows.
        Assert.Equal(3000, oldBank.Count);
        using var c = KnnKernel.Search(oldBank, queries, 3, options: options);
        KnnReference.AssertExact(c, KnnReference.AllDistances(queries, old), 3, (BankRange[]?)null);
    }

    [Fact]
    public void AppendRefusesBadRowsByName()
    {
        using var old = KnnSyntheticData.PatchLike(200, 16, seed: 2);
        using var bank = KnnBank.Create(old);
        using var wrongDim = zeros(3, 8);
        Assert.Contains("[m, 16]", Assert.Throws<ArgumentException>(() => bank.Append(wrongDim)).Message);
        using var nan = full(new long[] { 2, 16 }, float.NaN);
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => bank.Append(nan)).Message);
    }
}
