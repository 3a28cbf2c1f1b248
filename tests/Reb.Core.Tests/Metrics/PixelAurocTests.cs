using Reb.Core.Metrics;

namespace Reb.Core.Tests.Metrics;

public class PixelAurocTests
{
    [Fact]
    public void EqualsAurocOfTheConcatenationAcrossManyBlocks()
    {
        var rng = new Random(3);
        // Block size 7 forces many sorted runs per class, so the run-pair merge is exercised.
        var pixel = new PixelAuroc(blockSize: 7);
        var allScores = new List<float>();
        var allLabels = new List<bool>();
        for (int image = 0; image < 6; image++)
        {
            var (map, mask) = AurocTests.RandomScores(rng, 40, levels: 15);
            if (image % 2 == 0) Array.Fill(mask, false); // defect-free images contribute normal pixels only
            pixel.Add(map, mask);
            allScores.AddRange(map);
            allLabels.AddRange(mask);
        }
        Assert.Equal(Reference.PairCountAuroc(allScores, allLabels), pixel.Compute(), 12);
    }

    [Fact]
    public void ByteMaskTreatsAnyNonZeroAsDefect()
    {
        // Same pixels as AurocTests.HandComputedCase, mask values 0/255/1: AUC 0.75.
        var pixel = new PixelAuroc();
        pixel.Add([0.1f, 0.4f], new byte[] { 0, 0 });
        pixel.Add([0.35f, 0.8f], new byte[] { 255, 1 });
        Assert.Equal(0.75, pixel.Compute(), 15);
        Assert.Equal(2, pixel.DefectCount);
        Assert.Equal(2, pixel.NormalCount);
    }

    [Fact]
    public void ComputeCanBeRepeatedAfterMoreImages()
    {
        var pixel = new PixelAuroc(blockSize: 3);
        pixel.Add([0.1f, 0.4f, 0.35f, 0.8f], [false, false, true, true]);
        Assert.Equal(0.75, pixel.Compute(), 15);
        // Add a positive below everything: wins 0 of 2 pairs, so 3 of 6 pairs overall -> 0.5.
        pixel.Add([0.0f], [true]);
        Assert.Equal(0.5, pixel.Compute(), 15);
    }

    [Fact]
    public void RejectsMismatchedImageAndSingleClass()
    {
        var pixel = new PixelAuroc();
        var ex = Assert.Throws<ArgumentException>(() => pixel.Add([1f, 2f, 3f], [true, false]));
        Assert.Contains("image #0", ex.Message);
        pixel.Add([1f, 2f], [false, false]);
        Assert.Throws<InvalidOperationException>(() => pixel.Compute());
    }
}
