using Reb.Core.DefectMaker;
using TorchSharp;
using static TorchSharp.torch;

namespace Reb.Core.Tests.DefectMaker;

public class ForegroundAndAugmentationTests
{
    [Fact]
    public void ForegroundFindsABrightSquareOnADarkBackground()
    {
        using var scope = NewDisposeScope();
        var image = SyntheticImages.BrightSquare(256, 80, 64, 1);
        using var fg = ForegroundEstimator.Estimate(image);
        Assert.False(fg.IsWholeImage);
        var truth = zeros(256, 256);
        truth.narrow(0, 80, 64).narrow(1, 80, 64).fill_(1);
        double inter = fg.Mask.mul(truth).sum().item<float>();
        double union = fg.Mask.add(truth).clamp(0, 1).sum().item<float>();
        Assert.True(inter / union > 0.9, $"IoU {inter / union:F3}");
    }

    [Fact]
    public void ForegroundFallsBackToTheWholeImageOnATexture()
    {
        using var scope = NewDisposeScope();
        using var fg = ForegroundEstimator.Estimate(SyntheticImages.Texture(256, 2));
        Assert.True(fg.IsWholeImage);
        Assert.Equal(256f * 256f, fg.Mask.sum().item<float>());
    }

    [Fact]
    public void TheEightDihedralTransformsAreDistinctAndInvertible()
    {
        using var scope = NewDisposeScope();
        var x = arange(3 * 5 * 5, dtype: ScalarType.Float32).reshape(3, 5, 5); // no symmetry
        var results = DihedralTransforms.All.Select(op => op.Apply(x)).ToList();
        Assert.Equal(8, results.Count);
        for (int i = 0; i < 8; i++)
            for (int j = i + 1; j < 8; j++)
                Assert.False(TensorAssert.Same(results[i], results[j]),
                    $"{DihedralTransforms.All[i]} == {DihedralTransforms.All[j]}");
        foreach (var op in DihedralTransforms.All)
            Assert.True(TensorAssert.Same(op.Inverse().Apply(op.Apply(x)), x), $"{op} is not undone by {op.Inverse()}");
        // Spot checks of the PIL meanings: rotate 90 is counter-clockwise, transpose mirrors the main diagonal.
        Assert.Equal(x[0, 0, 4].item<float>(), Dihedral.Rotate90.Apply(x)[0, 0, 0].item<float>());
        Assert.Equal(x[0, 1, 3].item<float>(), Dihedral.Transpose.Apply(x)[0, 3, 1].item<float>());
        Assert.Equal(7, DihedralTransforms.Section5.Count);
    }

    [Fact]
    public void ColorJitterStaysInRangeAndLeavesGreyHueAlone()
    {
        using var scope = NewDisposeScope();
        var rng = new Random(3);
        var colour = SyntheticImages.Smooth(64, 5);
        var jittered = ColorJitter.Apply(colour, rng);
        Assert.True(jittered.ge(0).logical_and(jittered.le(255)).all().item<bool>());
        Assert.False(TensorAssert.Same(jittered, colour));
        Assert.True(TensorAssert.Same(ColorJitter.Apply(colour, rng, 0), colour)); // strength 0 = identity
        // A hue shift alone cannot colour a grey image.
        var grey = SyntheticImages.Texture(64, 6)[0].unsqueeze(0).expand(3, 64, 64).contiguous();
        Assert.True(TensorAssert.Same(ColorJitter.Apply(grey, rng, 0, 0, 0, 0.1), grey));
        // A half-turn hue shift of pure red gives cyan.
        var red = zeros(3, 4, 4); red[0].fill_(255);
        var shifted = ColorJitter.Apply(red, new Random(0), 0, 0, 0, 0.5);
        // The shift is drawn in [-0.5, 0.5]: check it moved red off the red channel toward green/blue.
        Assert.True(shifted[1].add(shifted[2]).mean().item<float>() > 0);
    }

    [Fact]
    public void ContactSheetIsADecodablePngWithOneRowPerSample()
    {
        using var sampler = new DefectSampler([SyntheticImages.Smooth(256, 7)],
            new DefectMakerOptions { Placement = Placement.Uniform });
        using var a = sampler.MakeSample(0, new Random(1));
        using var b = sampler.MakeSample(0, new Random(2));
        var png = ContactSheet.Render([a, b]);
        var (w, h) = Reb.Core.Imaging.ImageLoader.ReadSize(png, "sheet");
        Assert.Equal(7 * 256 + 8 * 2, w);
        Assert.True(h > 2 * 256 && h < 2 * 256 + 60);
        using var scope = NewDisposeScope();
        var square = zeros(10, 10); square.narrow(0, 2, 5).narrow(1, 2, 5).fill_(1);
        Assert.Equal(16, Reb.Core.DefectMaker.ContactSheet.Contour(square).sum().item<long>()); // the 5x5 ring
    }
}
