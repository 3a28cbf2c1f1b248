using Reb.Core.Metrics;

namespace Reb.Core.Tests.Metrics;

public class AuproTests
{
    // Image 1 (3x3): region R1 = the two top-left pixels (scores 0.9, 0.5), region R2 = bottom-right pixel (0.7);
    // its other 6 pixels are normal. Image 2 (3x3) is defect-free. Normal scores: one 0.8, one 0.6, one 0.5
    // (tied with an R1 pixel), the other 12 are 0.1. So 15 normal pixels, 2 regions.
    private static readonly float[] Map1 = [0.9f, 0.5f, 0.1f, 0.8f, 0.1f, 0.1f, 0.1f, 0.1f, 0.7f];
    private static readonly bool[] Mask1 = [true, true, false, false, false, false, false, false, true];
    private static readonly float[] Map2 = [0.6f, 0.5f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f];
    private static readonly bool[] Mask2 = new bool[9];

    // Curve by hand, one point per distinct score (FPR, PRO):
    //   t=0.9: (0,    1/2 of R1 / 2 regions = 0.25)
    //   t=0.8: (1/15, 0.25)      one normal pixel
    //   t=0.7: (1/15, 0.75)      R2 complete adds 1/2
    //   t=0.6: (2/15, 0.75)
    //   t=0.5: (3/15, 1.0)       the tie: one normal pixel and the rest of R1 turn positive together
    //   t=0.1: (1,    1.0), then (1, 1).
    [Fact]
    public void HandComputedCurveUpToPointThree()
    {
        // Area to 0.3: 0.25*(1/15) + 0.75*(1/15) + (0.75+1)/2*(1/15) + 1.0*(0.3-0.2)
        //            = 2/120 + 6/120 + 7/120 + 12/120 = 27/120; / 0.3 = 0.75.
        Assert.Equal(0.75, Aupro.Compute([Map1, Map2], [Mask1, Mask2], 3, 3), 12);
    }

    [Fact]
    public void InterpolatesInsideASlopedSegment()
    {
        // Limit 0.17 lies between FPR 2/15 (PRO 0.75) and 3/15 (PRO 1.0):
        // PRO(0.17) = 0.75 + 0.25 * (0.17 - 2/15) / (1/15) = 0.8875.
        double expected = (0.25 / 15 + 0.75 / 15 + 0.5 * (0.75 + 0.8875) * (0.17 - 2.0 / 15)) / 0.17;
        Assert.Equal(expected, Aupro.Compute([Map1, Map2], [Mask1, Mask2], 3, 3, maxFpr: 0.17), 12);
    }

    [Fact]
    public void LimitOnACurvePointNeedsNoInterpolation()
    {
        // Limit exactly 3/15 = 0.2: 15/120 of area (the first three segments) / 0.2 = 0.625.
        Assert.Equal(0.625, Aupro.Compute([Map1, Map2], [Mask1, Mask2], 3, 3, maxFpr: 3.0 / 15), 12);
    }

    [Fact]
    public void DiagonalPixelsFormOneRegion()
    {
        // 4x4 mask: pixels (0,0) and (1,1) touch diagonally -> one region A (2 pixels), plus region B at (3,3).
        // A's (0,0) scores 0.9, its other pixel and B score 0.05; the 13 normal pixels score 0.5.
        // Curve: (0, (1/2)/2 = 0.25), (1, 0.25), (1, 1), (1, 1) -> AUPRO(0.3) = 0.25.
        // With 4-connectivity there would be 3 regions and PRO 1/3 instead.
        var map = Enumerable.Repeat(0.5f, 16).ToArray();
        var mask = new bool[16];
        mask[0] = mask[5] = mask[15] = true;
        map[0] = 0.9f; map[5] = 0.05f; map[15] = 0.05f;
        Assert.Equal(0.25, Aupro.Compute([map], [mask], 4, 4), 12);
    }

    [Fact]
    public void PerfectMapScoresOneAndReversedMapScoresZero()
    {
        var rng = new Random(21);
        var (maps, masks) = RandomBlobImages(rng, images: 5, width: 24, height: 16);
        // Every defect pixel above every normal pixel: PRO reaches 1 at FPR 0.
        var perfect = maps.Select((m, i) => m.Select((s, p) => masks[i][p] ? 2 + s : s).ToArray()).ToList();
        Assert.Equal(1.0, Aupro.Compute(perfect, masks, 24, 16), 12);
        // Every defect pixel below every normal pixel: PRO stays 0 until FPR 1.
        var reversed = perfect.Select(m => m.Select(s => -s).ToArray()).ToList();
        Assert.Equal(0.0, Aupro.Compute(reversed, masks, 24, 16), 12);
    }

    [Fact]
    public void MatchesTextbookDefinitionOnRandomDataAcrossBlocks()
    {
        var rng = new Random(4);
        for (int trial = 0; trial < 4; trial++)
        {
            const int w = 12, h = 9;
            var (maps, masks) = RandomBlobImages(rng, images: 4, w, h);
            // Quantised scores create ties between normal and defect pixels; defect pixels a bit higher.
            for (int i = 0; i < maps.Count; i++)
                for (int p = 0; p < maps[i].Length; p++)
                    maps[i][p] = MathF.Round((maps[i][p] + (masks[i][p] ? 0.4f : 0f)) * 20) / 20;
            var regions = new List<int[]>();
            int regionCount = 0;
            foreach (var mask in masks)
            {
                var (labels, count) = ConnectedComponents.Label(mask, w, h);
                regions.Add(labels.Select(l => l == 0 ? -1 : regionCount + l - 1).ToArray());
                regionCount += count;
            }
            var accumulator = new AuproAccumulator(blockSize: 16); // several sorted runs of normal pixels
            for (int i = 0; i < maps.Count; i++) accumulator.Add(maps[i], masks[i], w, h);
            foreach (double limit in new[] { 0.3, 0.05, 1.0 })
                Assert.Equal(Reference.Aupro(maps, regions, regionCount, limit), accumulator.Compute(limit), 10);
            var flatScores = maps.SelectMany(m => m).ToList();
            var flatLabels = masks.SelectMany(m => m).ToList();
            Assert.Equal(Reference.PairCountAuroc(flatScores, flatLabels), accumulator.ComputePixelAuroc(), 12);
        }
    }

    [Fact]
    public void RejectsUndefinedCases()
    {
        var noDefect = Assert.Throws<InvalidOperationException>(() => Aupro.Compute([Map2], [Mask2], 3, 3));
        Assert.Contains("no", noDefect.Message);
        var allDefect = Enumerable.Repeat(true, 9).ToArray();
        Assert.Throws<InvalidOperationException>(() => Aupro.Compute([Map1], [allDefect], 3, 3));
        Assert.Throws<ArgumentException>(() => Aupro.Compute([Map1], [Mask1], 4, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => Aupro.Compute([Map1], [Mask1], 3, 3, maxFpr: 0));
    }

    /// <summary>Random scores in [0,1) and masks made of a few random rectangles per image (some images
    /// defect-free).</summary>
    private static (List<float[]> Maps, List<bool[]> Masks) RandomBlobImages(Random rng, int images, int width,
        int height)
    {
        var maps = new List<float[]>();
        var masks = new List<bool[]>();
        for (int i = 0; i < images; i++)
        {
            var map = new float[width * height];
            for (int p = 0; p < map.Length; p++) map[p] = (float)rng.NextDouble();
            var mask = new bool[width * height];
            int blobs = i == 1 ? 0 : rng.Next(1, 4);
            for (int b = 0; b < blobs; b++)
            {
                int x0 = rng.Next(width - 3), y0 = rng.Next(height - 3), bw = rng.Next(1, 4), bh = rng.Next(1, 4);
                for (int y = y0; y < y0 + bh; y++) for (int x = x0; x < x0 + bw; x++) mask[y * width + x] = true;
            }
            maps.Add(map);
            masks.Add(mask);
        }
        return (maps, masks);
    }
}
