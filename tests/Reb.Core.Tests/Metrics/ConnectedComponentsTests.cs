using Reb.Core.Metrics;

namespace Reb.Core.Tests.Metrics;

public class ConnectedComponentsTests
{
    private static bool[] Parse(params string[] rows) => rows.SelectMany(r => r.Select(c => c == '#')).ToArray();

    [Fact]
    public void DiagonalNeighboursJoinOnlyWithEightConnectivity()
    {
        var mask = Parse(
            "#..",
            ".#.",
            "..#");
        var (eight, eightCount) = ConnectedComponents.Label(mask, 3, 3, Connectivity.Eight);
        var (four, fourCount) = ConnectedComponents.Label(mask, 3, 3, Connectivity.Four);
        Assert.Equal(1, eightCount);
        Assert.Equal(3, fourCount);
        Assert.Equal(new[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 }, eight);
        Assert.Equal(new[] { 1, 0, 0, 0, 2, 0, 0, 0, 3 }, four);
    }

    [Fact]
    public void UShapeIsOneRegionAndSeparateBlobsAreNumberedInScanOrder()
    {
        // The U's two arms first look separate in scan order; the bottom row joins them.
        var mask = Parse(
            "#.#..#",
            "#.#...",
            "###.##");
        var (labels, count) = ConnectedComponents.Label(mask, 6, 3);
        Assert.Equal(3, count);
        Assert.Equal(1, labels[0]);   // U
        Assert.Equal(1, labels[2]);   // other arm of the U
        Assert.Equal(2, labels[5]);   // top-right dot (first seen second)
        Assert.Equal(3, labels[16]);  // bottom-right bar
        Assert.Equal(3, labels[17]);
        Assert.Equal(0, labels[1]);
    }

    [Fact]
    public void LargeRegionNeedsNoRecursion()
    {
        // A 1-pixel-wide serpentine of ~500k pixels would overflow a recursive flood fill.
        const int w = 1000, h = 1000;
        var mask = new bool[w * h];
        for (int y = 0; y < h; y += 2) for (int x = 0; x < w; x++) mask[y * w + x] = true;
        for (int y = 1; y < h; y += 2) mask[y * w + ((y / 2) % 2 == 0 ? w - 1 : 0)] = true;
        var (labels, count) = ConnectedComponents.Label(mask, w, h);
        Assert.Equal(1, count);
        Assert.Equal(1, labels[(h - 2) * w + 3]);
    }

    [Fact]
    public void EmptyMaskHasNoRegionAndBadSizeIsRejected()
    {
        Assert.Equal(0, ConnectedComponents.Label(new bool[12], 4, 3).Count);
        var ex = Assert.Throws<ArgumentException>(() => ConnectedComponents.Label(new bool[12], 5, 3));
        Assert.Contains("5 x 3", ex.Message);
    }
}
