using Reb.Core.Backbones;
using Reb.Core.Features;
using Reb.Core.Imaging;
using Reb.Core.Ldknn;
using Reb.Core.Tests.TestSupport;
using static TorchSharp.torch;

namespace Reb.Core.Tests.Features;

/// <summary>Native-aspect inputs through the real ResNet18: an (H/8) x (W/8) patch grid, grids kept per image,
/// leftovers pooled away.</summary>
public class AspectGridTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("reb-aspect-grid-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void NonSquareInput_GivesAnHOver8ByWOver8Grid_AndSquareModeStillRefusesIt()
    {
        var strip = AspectSamples.Strip(Directory.GetFiles(AspectSamples.SampleFolder(), "*.png").Order().First(), 250);
        using var fx = new FeatureExtractor(Backbone.LoadDefault(), 256) { Resize = ResizeMode.Aspect };
        using var scope = NewDisposeScope();
        var (features, grid, h, w) =
            PatchEmbedding.EmbedOneWithGrid(ImageSource.FromBytes("strip.png", ImageWriter.EncodePng(strip)), fx);
        Assert.Equal((256, 640), (h, w));
        Assert.Equal(new PatchGrid(32, 80), grid);
        Assert.Equal(new long[] { 32 * 80, 512 }, features.shape);
        Assert.True(features.isfinite().all().item<bool>());

        using var square = new FeatureExtractor(Backbone.LoadDefault(), 256);
        Assert.Throws<ArgumentException>(() => square.Embed(zeros(1, 3, 256, 640)));
        // Aspect mode only takes sizes both feature layers tile exactly.
        Assert.Throws<ArgumentException>(() => fx.Embed(zeros(1, 3, 256, 600)));
    }

    [Fact]
    public void MixedSizes_AreBatchedOnlyWithTheirOwnSize_AndEachImageKeepsItsGrid()
    {
        // 640 x 250 -> 160 x 64 (8 x 20 grid), 640 x 320 -> 128 x 64 (8 x 16) at a 64 px short side.
        var paths = AspectSamples.Write(_dir, "m", 3, [250, 250, 320]);
        using var fx = new FeatureExtractor(Backbone.LoadDefault(), 64) { Resize = ResizeMode.Aspect };
        var sources = paths.Select(ImageSource.FromFile).ToList();
        var e = PatchEmbedding.EmbedWithGrids(sources, fx, batchSize: 4, skipped: []);
        using var bank = e.Bank;
        Assert.Equal(new[] { new PatchGrid(8, 20), new PatchGrid(8, 20), new PatchGrid(8, 16) }, e.Layout.Grids);
        Assert.Equal(160 + 160 + 128, e.Layout.Rows);
        Assert.Equal(e.Layout.Rows, bank.shape[0]);
        Assert.Equal(320, e.Layout.Start(2));

        // The third image was a batch of one in the bank: its rows are exactly what scoring embeds for it alone.
        var (alone, grid, _, _) = PatchEmbedding.EmbedOneWithGrid(sources[2], fx);
        using (alone)
        {
            Assert.Equal(new PatchGrid(8, 16), grid);
            Assert.True(Bitwise.Same(bank.narrow(0, 320, 128), alone));
        }
        // The first, batched with its twin-sized neighbour, agrees up to libtorch's batch blocking.
        using var first = PatchEmbedding.EmbedOne(sources[0], fx);
        Assert.True(bank.narrow(0, 0, 160).allclose(first, rtol: 1e-4, atol: 1e-4));
    }

    [Fact]
    public void ImageScore_OfANonSquareGrid_DropsLeftoverColumnsLikeAvgPool2d()
    {
        using var scope = NewDisposeScope();
        // 32 x 80: 26 windows across (78 columns), columns 78 and 79 are left over.
        var map = zeros(1, 32, 80);
        map[0, 10, 79] = tensor(900f);
        Assert.Equal(0f, AnomalyMaps.ImageScores(map)[0]);
        map[0, 10, 77] = tensor(900f);
        Assert.Equal(100f, AnomalyMaps.ImageScores(map)[0]);   // one hot patch in a 3 x 3 window: 900 / 9
        map[0, 10, 79] = tensor(0f);
        var pixel = AnomalyMaps.PixelMaps(map, 256, 640);
        Assert.Equal(new long[] { 1, 256, 640 }, pixel.shape);
        // The hot patch (row 10, column 77) lands at its place in the resized image: x ~ 77.5 * 8, y ~ 10.5 * 8.
        var argmax = pixel[0].argmax().item<long>();
        Assert.InRange(argmax % 640, 77 * 8 - 8, 78 * 8 + 8);
        Assert.InRange(argmax / 640, 10 * 8 - 8, 11 * 8 + 8);
    }
}
