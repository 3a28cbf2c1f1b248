using Reb.Core.Calibration;

namespace Reb.Core.Tests.Calibration;

public class ContiguousFoldsTests
{
    [Theory]
    [InlineData(100, 10)]
    [InlineData(23, 5)]
    [InlineData(3, 10)]
    public void Split_CoversEveryImageOnceInOrder(int images, int folds)
    {
        var f = ContiguousFolds.Split(images, folds);
        Assert.Equal(Math.Min(images, folds), f.Count);
        int next = 0;
        for (int i = 0; i < f.Count; i++)
        {
            var (s, e) = f.Fold(i);
            Assert.Equal(next, s);
            Assert.True(e > s);
            for (int img = s; img < e; img++) Assert.Equal(i, f.FoldOf(img));
            next = e;
        }
        Assert.Equal(images, next);
    }

    [Fact]
    public void Blocks_OfWidthOne_AreLeaveOneOut()
    {
        var f = ContiguousFolds.Blocks(7, 1);
        Assert.Equal(7, f.Count);
        Assert.Equal((3, 4), f.Fold(3));
        Assert.Equal((6, 7), ContiguousFolds.Blocks(7, 3).Fold(2));
    }
}
