using Reb.Core.DefectMaker;

namespace Reb.Core.Tests.DefectMaker;

public class ShapeMakerTests
{
    private const int Canvas = 256;
    private const int Draws = 300;

    [Fact]
    public void RectBoxesFollowTheAreaAndAspectDistribution()
    {
        var maker = new ShapeMaker();
        var rng = new Random(11);
        double minArea = 1, maxArea = 0, minAspect = 10, maxAspect = 0;
        for (int i = 0; i < Draws; i++)
        {
            var s = maker.BezierRect(rng, Canvas);
            var info = s.Info;
            Assert.InRange(info.AreaFraction, 0.02, 0.15);
            Assert.InRange(info.Aspect, 1 / 3.3, 3.3);
            double area = info.AreaFraction * Canvas * Canvas;
            Assert.Equal((int)Math.Round(Math.Sqrt(area * info.Aspect)), s.Width);
            Assert.Equal((int)Math.Round(Math.Sqrt(area / info.Aspect)), s.Height);
            Assert.Contains(info.PointCount, new[] { 5, 6 });
            Assert.Contains(info.K, new[] { 0.2, 0.3, 0.4 });
            AssertFillsItsBox(s);
            minArea = Math.Min(minArea, info.AreaFraction); maxArea = Math.Max(maxArea, info.AreaFraction);
            minAspect = Math.Min(minAspect, info.Aspect); maxAspect = Math.Max(maxAspect, info.Aspect);
        }
        // The whole range is used, not just part of it.
        Assert.True(minArea < 0.03 && maxArea > 0.14, $"area fractions {minArea:F3}..{maxArea:F3}");
        Assert.True(minAspect < 1 / 2.5 && maxAspect > 2.5, $"aspects {minAspect:F2}..{maxAspect:F2}");
    }

    [Fact]
    public void ScarsHaveTheirSizeRangeBeforeRotationAndAreCroppedAfter()
    {
        var maker = new ShapeMaker();
        var rng = new Random(12);
        var widths = new HashSet<int>();
        var heights = new HashSet<int>();
        var rotations = new List<double>();
        for (int i = 0; i < Draws; i++)
        {
            var s = maker.BezierRectScar(rng);
            Assert.InRange(s.Info.BoxWidth, 7, 21);
            Assert.InRange(s.Info.BoxHeight, 15, 30);
            Assert.InRange(s.Info.RotationDegrees, -45, 45);
            widths.Add(s.Info.BoxWidth); heights.Add(s.Info.BoxHeight); rotations.Add(s.Info.RotationDegrees);
            // Rotated box cannot exceed the unrotated diagonal (plus the pixel the truncation adds).
            double diagonal = Math.Sqrt(Math.Pow(s.Info.BoxWidth, 2) + Math.Pow(s.Info.BoxHeight, 2));
            Assert.True(s.Width <= diagonal + 1 && s.Height <= diagonal + 1,
                $"{s.Width}x{s.Height} vs diagonal {diagonal:F1}");
            AssertFillsItsBox(s); // cropped to content: every side of the box is touched
        }
        Assert.Equal(15, widths.Count);  // 7..21 all drawn
        Assert.Equal(16, heights.Count); // 15..30 all drawn
        Assert.True(rotations.Min() <= -40 && rotations.Max() >= 40);
    }

    [Fact]
    public void ClumpsAreNonEmptySparseSubsetsOfTheirBox()
    {
        var maker = new ShapeMaker();
        var rng = new Random(13);
        double meanFill = 0;
        for (int i = 0; i < 100; i++)
        {
            var s = maker.BezierClump(rng, Canvas);
            Assert.InRange(s.Info.Aspect, 1 / 3.0, 3.0);
            Assert.InRange(s.Info.AreaFraction, 0.02, 0.15);
            Assert.InRange(s.Info.PointCount, 5, 9);
            Assert.True(s.Area > 0);
            meanFill += s.Area / (double)(s.Width * s.Height) / 100;
        }
        // Thresholding the grid at 138 of [77,178) keeps well under half of the blob.
        Assert.InRange(meanFill, 0.01, 0.4);
    }

    [Fact]
    public void RasterizerFillsARectangleIncludingItsBoundary()
    {
        var mask = PolygonRasterizer.Fill([2, 7, 7, 2], [1, 1, 5, 5], 10, 8);
        for (int y = 0; y < 8; y++)
            for (int x = 0; x < 10; x++)
                Assert.Equal(x is >= 2 and <= 7 && y is >= 1 and <= 5 ? 1 : 0, mask[y * 10 + x]);
    }

    [Fact]
    public void EllipticalElementsMatchOpenCvShapes()
    {
        Assert.Equal(5, AlphaMask.EllipseOffsets(3).Count);  // a cross
        Assert.Equal(17, AlphaMask.EllipseOffsets(5).Count); // rows of 1, 5, 5, 5, 1
    }

    private static void AssertFillsItsBox(ShapeMask s)
    {
        Assert.True(s.Area > 0, "empty shape");
        bool top = false, bottom = false, left = false, right = false;
        for (int y = 0; y < s.Height; y++)
            for (int x = 0; x < s.Width; x++)
            {
                if (s.Pixels[y * s.Width + x] == 0) continue;
                top |= y == 0; bottom |= y == s.Height - 1; left |= x == 0; right |= x == s.Width - 1;
            }
        Assert.True(top && bottom && left && right, $"shape {s.Width}x{s.Height} does not reach every side of its box");
    }
}
