using Reb.Core.Features;
using TorchSharp;
using static TorchSharp.torch;

namespace Reb.Core.Tests.Features;

public class PatchAggregatorTests
{
    /// <summary>The method spec's recipe written out literally: unfold, upsample, adaptive pool per layer, stack,
    /// pool.</summary>
    private static Tensor Literal(Tensor low, Tensor high, int dim)
    {
        long n = low.shape[0], h = low.shape[2], w = low.shape[3];
        Tensor Unfold(Tensor x) =>
            nn.functional.unfold(x, 3, padding: 1).reshape(x.shape[0], x.shape[1] * 9, x.shape[2], x.shape[3]);
        var a = Unfold(low);
        var b = nn.functional.interpolate(Unfold(high), new[] { h, w }, mode: InterpolationMode.Bilinear,
            align_corners: false);
        Tensor Pool(Tensor x) =>
            nn.functional.adaptive_avg_pool1d(x.permute(0, 2, 3, 1).reshape(n * h * w, 1, x.shape[1]), dim).squeeze(1);
        var stacked = stack(new[] { Pool(a), Pool(b) }, 1).reshape(n * h * w, 1, 2 * dim);
        return nn.functional.adaptive_avg_pool1d(stacked, dim).squeeze(1);
    }

    [Theory]
    [InlineData(8, 16, 64, 8)]     // small channels, output size not dividing c*9
    [InlineData(128, 256, 512, 8)] // the ResNet18 shapes at a reduced grid
    public void MatchesTheLiteralRecipe(int c2, int c3, int dim, int grid)
    {
        using var scope = NewDisposeScope();
        var gen = new Generator(7);
        var low = rand(2, c2, grid, grid, generator: gen);
        var high = rand(2, c3, grid / 2, grid / 2, generator: gen);
        using var agg = new PatchAggregator(c2, c3, dim);
        var fast = agg.Aggregate(low, high);
        var slow = Literal(low, high, dim);
        Assert.Equal(slow.shape, fast.shape);
        Assert.Equal(2L * grid * grid, fast.shape[0]);
        float maxDiff = (fast - slow).abs().max().item<float>();
        float scale = slow.abs().max().item<float>();
        // Same linear map, different summation order: float32 rounding only.
        Assert.True(maxDiff <= 1e-5f * scale, $"max diff {maxDiff} vs scale {scale}");
    }

    [Fact]
    public void AdaptivePoolingMatrixFollowsPyTorchWindows()
    {
        // L=5, O=3: windows [0,2), [1,4), [3,5) -> floor(i*5/3) .. ceil((i+1)*5/3)
        var m = AdaptivePooling.Matrix(5, 3);
        Assert.Equal(0.5, m[0, 0], 12); Assert.Equal(0.5, m[0, 1], 12); Assert.Equal(0.0, m[0, 2], 12);
        Assert.Equal(1 / 3.0, m[1, 1], 12); Assert.Equal(1 / 3.0, m[1, 3], 12); Assert.Equal(0.0, m[1, 0], 12);
        Assert.Equal(0.5, m[2, 3], 12); Assert.Equal(0.5, m[2, 4], 12);
    }
}
