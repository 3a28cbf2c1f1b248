using Reb.Core.Backbones;
using Reb.Core.Calibration;
using Reb.Core.Features;
using Reb.Core.Imaging;
using Reb.Core.Ldknn;
using Reb.Core.Models;
using Reb.Core.Tests.TestSupport;
using Xunit.Abstractions;

namespace Reb.Core.Tests.Calibration;

/// <summary>
/// Folds that follow the data: frames of one part (real boards, shifted a few pixels and with sensor noise) are left
/// out together, wherever they lie in the file order; a line of distinct parts is left out one image at a time.
/// </summary>
public class GroupedFoldsTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("reb-grouped-folds-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private static InspectionOptions Options => new() { ImageSize = 64, BatchSize = 4,
        Ldknn = new LdknnOptions { K = 3 } };

    /// <summary>A frame of the same part: the board moved by (dx, dy) pixels, edges repeated, plus uniform
    /// noise.</summary>
    private static RgbImage Frame(RgbImage image, int dx, int dy, int noise, int seed)
    {
        var rng = new Random(seed);
        var px = new byte[image.Pixels.Length];
        for (int y = 0; y < image.Height; y++)
            for (int x = 0; x < image.Width; x++)
            {
                int sy = Math.Clamp(y - dy, 0, image.Height - 1), sx = Math.Clamp(x - dx, 0, image.Width - 1);
                for (int c = 0; c < 3; c++)
                    px[(y * image.Width + x) * 3 + c] = (byte)Math.Clamp(image[sy, sx, c] + rng.Next(-noise,
                        noise + 1), 0, 255);
            }
        return new RgbImage(image.Width, image.Height, px);
    }

    private (FoldGroups Folds, FoldGroupingRecord Record, float[] Grouped,
        float[] LeaveOneOut) Study(IReadOnlyList<string> files)
    {
        using var fx = new FeatureExtractor(Backbone.LoadDefault(), 64);
        var (bank, used, layout) = ModelFitter.EmbedImages(files, fx, Options, []);
        using var _b = bank;
        Assert.Equal(files.Count, used.Count);
        var (index, table) = BankNeighbours.Fit(bank, Options.Ldknn);
        using var _i = index;
        using var _t = table;
        var (folds, record) = ImageGrouping.Group(bank, layout, new CalibrationOptions());
        output.WriteLine($"typical {record.TypicalDistance:G4}, cutoff {record.Cutoff:G4}, nearest/typical: " +
            string.Join(" ", record.NearestImageDistance.Select(d => (d / record.TypicalDistance).ToString("0.00"))));
        var grouped = OutOfFoldScores.Compute(bank, index, layout, folds);
        var loo = OutOfFoldScores.Compute(bank, index, layout, FoldGroups.Singletons(files.Count));
        return (folds, record, grouped, loo);
    }

    [Fact]
    public void Frames_of_one_part_are_left_out_together_even_when_not_consecutive()
    {
        var boards = Directory.GetFiles(AspectSamples.SampleFolder(), "*.png").Order().Take(6).ToList();
        var files = new List<string>();
        var partOf = new List<int>();
        // Parts 0-2 come as runs of two frames; parts 3-5 have their second frame at the end of the line (reordered).
        for (int p = 0; p < 6; p++) { files.Add(boards[p]); partOf.Add(p);
            if (p < 3) { files.Add(Twin(p)); partOf.Add(p); } }
        for (int p = 3; p < 6; p++) { files.Add(Twin(p)); partOf.Add(p); }
        string Twin(int p)
        {
            var path = Path.Combine(_dir, $"frame-{p}.png");
            ImageWriter.SavePng(Frame(ImageLoader.Load(boards[p]), 6 + p, 3, 8, p), path);
            return path;
        }

        var (folds, record, grouped, loo) = Study(files);
        Assert.Equal(6, folds.Count);
        Assert.Equal(6, record.GroupedFolds);
        for (int i = 0; i < files.Count; i++)
            for (int j = 0; j < files.Count; j++)
                Assert.Equal(partOf[i] == partOf[j], folds.FoldOf(i) == folds.FoldOf(j));
        Assert.Equal(folds.FoldOfImage, record.FoldOfImage);
        Assert.Contains(Enumerable.Range(0, folds.Count), f => !folds.IsContiguous(f)); // the reduced-index path ran
        // Left out alone, a frame finds its twin and looks perfectly normal; left out with it, it scores like a new
        // part.
        for (int i = 0; i < files.Count; i++)
            Assert.True(grouped[i] > loo[i] + 0.1f * Math.Abs(grouped[i]),
                $"image {i}: grouped {grouped[i]} vs alone {loo[i]}");
    }

    [Fact]
    public void Distinct_boards_are_left_out_one_at_a_time()
    {
        var files = Directory.GetFiles(AspectSamples.SampleFolder(), "*.png").Order().Take(12).ToList();
        var (folds, record, grouped, loo) = Study(files);
        Assert.Equal(12, folds.Count);
        Assert.Equal(0, record.GroupedFolds);
        Assert.Equal(loo, grouped);
    }

    [SharedDataFact]
    public void Distinct_magnetic_tiles_are_left_out_one_at_a_time()
    {
        var files = Directory.GetFiles(Path.Combine(SharedData.Category("magnetic_tile"), "train", "good"),
            "*.png").Order().Take(12).ToList();
        var (folds, record, _, _) = Study(files);
        Assert.Equal(12, folds.Count);
        Assert.Equal(0, record.GroupedFolds);
    }
}
