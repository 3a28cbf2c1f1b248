using Reb.Core.DefectMaker;
using TorchSharp;
using static TorchSharp.torch;

namespace Reb.Core.Tests.DefectMaker;

public class DefectSamplerTests
{
    private const int S = 256;

    private static DefectSampler MakeSampler(Placement placement = Placement.Uniform) =>
        new([SyntheticImages.Smooth(S, 1), SyntheticImages.Smooth(S, 2), SyntheticImages.BrightSquare(S, 90, 70, 3)],
            new DefectMakerOptions { Placement = placement });

    [Fact]
    public void SamplesHaveSevenVersionsWithConsistentMasksAndAlphas()
    {
        using var sampler = MakeSampler();
        var rng = new Random(5);
        for (int n = 0; n < 15; n++)
        {
            using var scope = NewDisposeScope();
            using var sample = sampler.MakeSample(n % sampler.Count, rng);
            Assert.Equal(new long[] { 7, 3, S, S }, sample.Images.shape);
            Assert.Equal(new long[] { 7, S, S }, sample.Masks.shape);
            Assert.Equal(new long[] { 0, 1, 2, 3, 4, 5, 6 }, sample.Labels);
            var clean = sampler.Image(sample.SourceIndex);
            Assert.True(TensorAssert.Same(sample.Images[0], clean));
            Assert.Equal(0f, sample.Masks[0].sum().item<float>());
            for (int v = 1; v < 7; v++)
            {
                var mask = sample.Masks[v];
                var alpha = sample.Alphas[v];
                var image = sample.Images[v];
                Assert.True(mask.sum().item<float>() > 0, $"version {v} has an empty mask");
                Assert.True(mask.eq(0).logical_or(mask.eq(1)).all().item<bool>(), "mask is not binary");
                Assert.True(alpha.ge(0).logical_and(alpha.le(1)).all().item<bool>(), "alpha outside [0,1]");
                Assert.Equal(0f, alpha.mul(mask.neg().add(1)).abs().max().item<float>()); // alpha is 0 outside the mask
                // Wherever alpha is 0 the image is exactly the clean one; nowhere is it outside 0..255 or fractional.
                var untouched = alpha.eq(0).unsqueeze(0).expand(3, S, S);
                Assert.True(TensorAssert.Same(image.masked_select(untouched), clean.masked_select(untouched)));
                Assert.True(image.ge(0).logical_and(image.le(255)).all().item<bool>());
                Assert.True(image.eq(image.round()).all().item<bool>());
                // The mask lies inside its box, and the box inside the image.
                var box = sample.Boxes[v]!.Value;
                Assert.True(box.X >= 0 && box.Y >= 0 && box.X + box.Width <= S && box.Y + box.Height <= S);
                var inBox = mask.narrow(0, box.Y, box.Height).narrow(1, box.X, box.Width).sum().item<float>();
                Assert.Equal(mask.sum().item<float>(), inBox);
            }
        }
    }

    [Fact]
    public void SameSeedGivesIdenticalTensorsAndAnotherSeedDoesNot()
    {
        using var sampler = MakeSampler();
        using var a = sampler.MakeBatch([0, 1, 2], new Random(42), new Augmentation(), includeMasks: true);
        using var b = sampler.MakeBatch([0, 1, 2], new Random(42), new Augmentation(), includeMasks: true);
        using var c = sampler.MakeBatch([0, 1, 2], new Random(43), new Augmentation(), includeMasks: true);
        Assert.True(TensorAssert.Same(a.Images, b.Images));
        Assert.True(TensorAssert.Same(a.Masks!, b.Masks!));
        Assert.True(TensorAssert.Same(a.Labels, b.Labels));
        Assert.False(TensorAssert.Same(a.Images, c.Images));
        Assert.False(TensorAssert.Same(a.Masks!, c.Masks!));
    }

    [Fact]
    public void BatchIsSourceMajorWithLabelsZeroToSixAndMasksFollowTheAugmentation()
    {
        using var sampler = MakeSampler();
        var rng = new Random(9);
        using var batch = sampler.MakeBatch([2, 0], rng, new Augmentation(), includeMasks: true);
        Assert.Equal(new long[] { 14, 3, S, S }, batch.Images.shape);
        Assert.Equal(new long[] { 0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5, 6 }, batch.Labels.data<long>().ToArray());
        // The first source's defects are drawn before any augmentation draw, so replaying the seed without
        // augmentation gives the same masks up to a dihedral transform (same area).
        using var plain = sampler.MakeBatch([2, 0], new Random(9), null, includeMasks: true);
        for (int i = 1; i < 7; i++)
        {
            Assert.Equal(plain.Masks![i].sum().item<float>(), batch.Masks![i].sum().item<float>());
        }
    }

    [Fact]
    public void ForegroundPlacementCentresDefectsOnTheObject()
    {
        // One image only: a bright square on dark; every defect and every cut-paste crop is centred on the square.
        using var sampler = new DefectSampler([SyntheticImages.BrightSquare(S, 100, 50, 4)], new DefectMakerOptions());
        Assert.False(sampler.UsesWholeImage(0));
        var rng = new Random(21);
        for (int n = 0; n < 10; n++)
        {
            using var sample = sampler.MakeSample(0, rng);
            for (int v = 1; v < 7; v++)
            {
                var box = sample.Boxes[v]!.Value;
                // The box centre is a square pixel unless clamping moved it, which cannot happen this far from the
                // edges for boxes under 181 px; allow the half-pixel of the integer centre.
                double cx = box.X + box.Width / 2, cy = box.Y + box.Height / 2;
                Assert.InRange(cx, 100, 149);
                Assert.InRange(cy, 100, 149);
            }
        }
    }

    [Fact]
    public void BadInputsAreRejectedWithClearMessages()
    {
        var e = Assert.Throws<ArgumentException>(() => new DefectSampler([zeros(3, 100, 100)]));
        Assert.Contains("[3,256,256]", e.Message);
        Assert.Throws<ArgumentException>(() => new DefectSampler(Array.Empty<Tensor>()));
        using var sampler = MakeSampler();
        Assert.Throws<ArgumentOutOfRangeException>(() => sampler.MakeSample(3, new Random(1)));
    }

    [Fact]
    public void NativeAspectSourcesKeepTheirShape_AndDefectsStayInsideThem()
    {
        // A 256 x 640 strip and a 384 x 256 one (already resized by the native-aspect rule), foreground placement.
        var wide = SyntheticImages.Smooth(S, 7);
        var strip = nn.functional.interpolate(wide.unsqueeze(0), [256, 640], mode: InterpolationMode.Bilinear)
            .squeeze(0).round();
        var tall = nn.functional.interpolate(SyntheticImages.Smooth(S, 8).unsqueeze(0), [384, 256],
            mode: InterpolationMode.Bilinear).squeeze(0).round();
        var options = new DefectMakerOptions { Resize = Reb.Core.Imaging.ResizeMode.Aspect };
        using var sampler = new DefectSampler([strip, tall], options);
        Assert.Equal((256, 640), sampler.SizeOf(0));
        Assert.Equal((384, 256), sampler.SizeOf(1));
        var rng = new Random(3);
        for (int n = 0; n < 12; n++)
        {
            using var scope = NewDisposeScope();
            int src = n % 2;
            var (h, w) = sampler.SizeOf(src);
            // cut-paste fills come from either source, of the other size too
            using var sample = sampler.MakeSample(src, rng);
            Assert.Equal(new long[] { 7, 3, h, w }, sample.Images.shape);
            var clean = sampler.Image(src);
            for (int v = 1; v < 7; v++)
            {
                var box = sample.Boxes[v]!.Value;
                Assert.True(box.X >= 0 && box.Y >= 0 && box.X + box.Width <= w && box.Y + box.Height <= h,
                    $"box {box} outside {h}x{w}");
                var untouched = sample.Alphas[v].eq(0).unsqueeze(0).expand(3, h, w);
                Assert.True(TensorAssert.Same(sample.Images[v].masked_select(untouched),
                    clean.masked_select(untouched)));
                Assert.True(sample.Masks[v].sum().item<float>() > 0);
            }
        }
        // The same seed paints the same strip; a batch (adaptation) refuses sources of two sizes.
        using (var a = sampler.MakeSample(0, new Random(9)))
        using (var b = sampler.MakeSample(0, new Random(9)))
            Assert.True(TensorAssert.Same(a.Images, b.Images));
        var e = Assert.Throws<ArgumentException>(() => sampler.MakeBatch([0, 1], new Random(1)));
        Assert.Contains("one size", e.Message);
        // Native-aspect images smaller than the canvas side cannot hold the method's defect sizes.
        Assert.Throws<ArgumentException>(() => new DefectSampler([zeros(3, 200, 640)], options));
    }
}
