using Reb.Core.Backbones;
using Reb.Core.Features;
using Reb.Core.Ldknn;
using Reb.Core;
using Reb.Core.Imaging;
using Reb.Core.Models;
using Reb.Core.Pipeline;
using Reb.Core.Search;
using Reb.Core.Tests.TestSupport;
using static TorchSharp.torch;

namespace Reb.Core.Tests.Ldknn;

/// <summary>
/// Appending rows to a fitted bank must give exactly the index a full refit on the union gives: same core tensor,
/// same densities and neighbour distances bit for bit, same patch scores.
/// </summary>
public class BankUpdateTests
{
    private static Tensor PatchLike(long rows, long dim, int seed)
    {
        using var gen = new Generator((ulong)seed);
        // Non-negative with a shared offset, like post-ReLU CNN features.
        return nn.functional.relu(randn(new[] { rows, dim }, generator: gen)) + 0.5f;
    }

    [Theory]
    [InlineData(1, 40, SearchMode.Flat)]
    [InlineData(5, 40, SearchMode.Flat)]
    [InlineData(9, 3, SearchMode.Flat)]   // fewer new rows than K
    [InlineData(1, 40, SearchMode.Cells)] // the fit, the update and the refit searched with cells
    [InlineData(5, 40, SearchMode.Cells)]
    [InlineData(9, 3, SearchMode.Cells)]
    public void Append_EqualsAFullRefit_BitForBit_WithTies(int k, int newCount, SearchMode mode)
    {
        using var old = PatchLike(700, 24, 1);
        using var fresh = PatchLike(newCount, 24, 2);
        // Ties: some new rows are exact copies of old rows (distance 0, equal distances from every other row), and one
        // old row appears twice already.
        fresh[0].copy_(old[10]);
        if (newCount > 2) fresh[2].copy_(old[11]);
        old[20].copy_(old[21]);
        var options = new LdknnOptions { K = k, Search = mode };
        var (index, table) = BankNeighbours.Fit(old, options);
        using var _i = index;
        using var _t = table;
        var (updated, updatedTable, stats) = BankUpdate.Append(index, table, fresh);
        using var _u = updated;
        using var _ut = updatedTable;

        using var union = cat(new[] { old, fresh }, 0);
        var (refit, refitTable) = BankNeighbours.Fit(union, options);
        using var _r = refit;
        using var _rt = refitTable;
        using var plain = ModelFitter.FitIndex(union, options);

        Assert.Equal(700 + newCount, updated.CoreCount);
        Assert.Equal(mode, updated.Search.Mode);
        Assert.Equal(mode, refit.Search.Mode);
        Assert.True(stats.AffectedOldRows > 0);
        Assert.Equal(Bits(refit.CoreFeatures.data<float>().ToArray()),
            Bits(updated.CoreFeatures.data<float>().ToArray()));
        Assert.Equal(Bits(refit.Density), Bits(updated.Density));
        Assert.Equal(Bits(plain.Density), Bits(updated.Density));       // the plain fit gives the same densities too
        Assert.Equal(refit.CoreBankIndex, updated.CoreBankIndex);
        Assert.Equal(Bits(refitTable.Distances.data<float>().ToArray()),
            Bits(updatedTable.Distances.data<float>().ToArray()));

        using var queries = PatchLike(300, 24, 3);
        queries[5].copy_(fresh[0]);                                      // a query on a tied row
        using var a = updated.ScorePatches(queries);
        using var b = refit.ScorePatches(queries);
        Assert.Equal(Bits(b.data<float>().ToArray()), Bits(a.data<float>().ToArray()));
    }

    [Fact]
    public void Append_OnRealImageFeatures_EqualsAFullRefit()
    {
        // Real PNGs from the repository's DeepPCB sample, embedded by the ImageNet ResNet18 at 64 px (8x8 patches
        // each).
        var root = SharedData.RepositoryRoot()!;
        var files = Directory.GetFiles(Path.Combine(root, "samples", "deeppcb", "train", "good"), "*.png").Order()
            .Take(8).ToList();
        using var fx = new FeatureExtractor(Backbone.LoadDefault(), 64);
        var options = new InspectionOptions { ImageSize = 64, BatchSize = 4 };
        var (bank, _) = ModelFitter.Embed(files, fx, options, [], null);
        using var _b = bank;
        long perImage = 64;
        using var oldRows = bank.narrow(0, 0, 6 * perImage).clone();
        using var newRows = bank.narrow(0, 6 * perImage, 2 * perImage).clone();
        // The update searches with cells, the refit flat: the same densities and scores whatever the search.
        var ldknn = new LdknnOptions { K = 9, Search = SearchMode.Cells };
        var (index, table) = BankNeighbours.Fit(oldRows, ldknn);
        using var _i = index;
        using var _t = table;
        var (updated, updatedTable, _) = BankUpdate.Append(index, table, newRows);
        using var _u = updated;
        using var _ut = updatedTable;
        Assert.Equal(SearchMode.Cells, updated.Search.Mode);
        using var refit = ModelFitter.FitIndex(bank, ldknn with { Search = SearchMode.Flat });
        Assert.Equal(Bits(refit.Density), Bits(updated.Density));
        using var a = updated.ScorePatches(bank);
        using var b = refit.ScorePatches(bank);
        Assert.Equal(Bits(b.data<float>().ToArray()), Bits(a.data<float>().ToArray()));
    }

    [Fact]
    public void CoresetFits_AreRefusedWithAClearReason()
    {
        using var bank = PatchLike(200, 8, 4);
        var coreset = new LdknnOptions { K = 3, CoresetRatio = 0.5 };
        var e = Assert.Throws<NotSupportedException>(() => BankNeighbours.Fit(bank, coreset));
        Assert.Contains("coreset", e.Message);
        var (index, table) = BankNeighbours.Fit(bank, new LdknnOptions { K = 3 });
        using var _i = index;
        using var _t = table;
        using var wrongDim = PatchLike(5, 7, 5);
        Assert.Throws<ArgumentException>(() => BankUpdate.Append(index, table, wrongDim));
    }

    private static int[] Bits(float[] v) => v.Select(BitConverter.SingleToInt32Bits).ToArray();
}
