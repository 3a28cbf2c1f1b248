using Reb.Core.Search;
using static TorchSharp.torch;

namespace Reb.Core.Tests.Search;

/// <summary>The search-mode names (command line, model.json) and Auto's small-bank rule.</summary>
public class SearchModeTests
{
    [Theory]
    [InlineData("flat", SearchMode.Flat)]
    [InlineData("cells", SearchMode.Cells)]
    [InlineData("AUTO", SearchMode.Auto)]
    public void Names_RoundTrip(string text, SearchMode mode)
    {
        Assert.Equal(mode, SearchModes.Parse(text));
        Assert.Equal(mode, SearchModes.Parse(SearchModes.Name(mode)));
    }

    [Fact]
    public void UnknownName_IsRefused() =>
        Assert.Contains("unknown search mode",
            Assert.Throws<ArgumentException>(() => SearchModes.Parse("ivf")).Message);

    [Fact]
    public void Auto_KeepsSmallBanksFlat_AndAnAppendKeepsTheMode()
    {
        using var gen = new Generator(3);
        using var data = randn(new long[] { 500, 8 }, generator: gen);
        using var more = randn(new long[] { 20, 8 }, generator: gen);
        using var bank = KnnBank.Create(data);
        using var auto = KnnSearch.Create(bank, SearchMode.Auto);
        Assert.Equal(SearchMode.Flat, auto.Mode);
        Assert.True(double.IsNaN(auto.ProbeFraction));
        using var union = bank.Append(more);
        using var grown = auto.Appended(union, ownsBank: false);
        Assert.Equal(SearchMode.Flat, grown.Mode);
        Assert.Equal(520, grown.Count);
    }
}
