using System.Text.Json;
using Reb.Core.Backbones;
using Reb.Core.Datasets;
using Reb.Core.Features;
using Reb.Core.Imaging;
using Reb.Core.Ldknn;
using Reb.Core.Models;
using Reb.Core.Pipeline;

namespace Reb.Core.Tests.Pipeline;

/// <summary>`reb eval` on a small MVTec-layout category made in the test: outputs exist and say what the issue
/// asks.</summary>
public class EvaluatorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("reb-eval-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void WritesMetricsScoresAndOverlays()
    {
        var root = Path.Combine(_dir, "plates");
        SyntheticParts.Write(Path.Combine(root, "train", "good"), "", 6, 10);
        SyntheticParts.Write(Path.Combine(root, "test", "good"), "", 3, 300);
        var bad = SyntheticParts.Write(Path.Combine(root, "test", "scratch"), "", 3, 400, scratch: true);
        Directory.CreateDirectory(Path.Combine(root, "ground_truth", "scratch"));
        foreach (var b in bad)
        {
            // Mask = the scratch pixels (dark diagonal), drawn like the part itself.
            var img = SyntheticParts.Plate(0, scratch: true);
            var clean = SyntheticParts.Plate(0);
            var mask = new byte[img.Pixels.Length];
            for (int i = 0; i < mask.Length; i += 3)
                if (img.Pixels[i] != clean.Pixels[i]) mask[i] = mask[i + 1] = mask[i + 2] = 255;
            ImageWriter.SavePng(new RgbImage(img.Width, img.Height, mask),
                Path.Combine(root, "ground_truth", "scratch", Path.GetFileNameWithoutExtension(b) + "_mask.png"));
        }
        var ds = DatasetReader.Open(root);
        var options = new InspectionOptions
        {
            ImageSize = 64,
            BatchSize = 4,
            CalibrationImages = 6,
            Ldknn = new LdknnOptions { K = 3 }
        };
        var outDir = Path.Combine(_dir, "out");
        var result =
            Evaluator.Run(ds, new FeatureExtractor(Backbone.LoadDefault(), 64), options, outDir, overlaysPerCase: 1);
        using (result.Model)
        {
            Assert.Equal(1.0, result.Report.ImageAuroc);
            Assert.InRange(result.Report.PixelAuroc!.Value, 0.8, 1.0);
            Assert.InRange(result.Report.Aupro!.Value, 0.0, 1.0);
            Assert.Equal(6, result.Report.TestImages);
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "metrics.json")));
            foreach (var key in new[] { "category", "imageAuroc", "pixelAuroc", "aupro", "trainImages", "testImages",
                "bankSize", "coreSize",
                         "seconds", "imagesPerSecond", "threshold", "falseRejectRate", "escapeRate" })
                Assert.True(json.RootElement.TryGetProperty(key, out _), $"metrics.json lacks {key}");
            foreach (var key in new[] { "embed", "fit", "score" })
                Assert.True(json.RootElement.GetProperty("seconds").TryGetProperty(key, out _), $"seconds lacks {key}");
            var csv = File.ReadAllLines(Path.Combine(outDir, "scores.csv"));
            Assert.Equal(7, csv.Length);
            var overlays = Directory.GetFiles(Path.Combine(outDir, "overlays"), "*.png");
            Assert.Equal(4, overlays.Length);   // worst/best good and defect, one each
            Assert.All(overlays, o => ImageLoader.Load(o));
        }
    }
}
