using Reb.Core.Calibration;
using Reb.Core.Models;
using Reb.Core.Features;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Reb.Core.Datasets;
using Reb.Core.Imaging;
using Reb.Core.Metrics;

namespace Reb.Core.Pipeline;

/// <summary>
/// `reb eval`: fit a category on its good training images, score its test split, and write metrics.json, scores.csv
/// and overlays of the best and worst cases. Memory stays flat in the number of test images: maps go into the metric
/// accumulators as they come and are not kept.
/// </summary>
public static class Evaluator
{
    public static readonly JsonSerializerOptions Json =
        new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public sealed record Result(EvaluationReport Report, InspectionModel Model, FitReport Fit,
        IReadOnlyList<(DatasetSample Sample, float Score)> Scores);

    public static Result Run(Dataset dataset, IPatchEmbedder embedder, InspectionOptions options, string outDir,
        IProgress<StageProgress>? progress = null, int overlaysPerCase = 3,
        Adaptation.AdaptationOutcome? adaptation = null,
        VerdictEvalOptions? verdicts = null)
    {
        if (!dataset.HasLabels) throw new ArgumentException($"'{dataset.Root}' is a plain folder without labels: use " +
            "`reb score` for it, `reb eval` needs a labelled test split");
        if (dataset.Test.Count == 0) throw new InvalidDataException($"'{dataset.Root}' has no test images");
        Directory.CreateDirectory(outDir);
        var total = Stopwatch.StartNew();
        var (model, fit) = ModelFitter.Fit(dataset.TrainGood, embedder, options, progress);

        var watch = Stopwatch.StartNew();
        var bySample = dataset.Test.ToDictionary(s => s.ImagePath);
        var scored = new List<(DatasetSample Sample, float Score)>();
        var skipped = new List<SkippedImage>(fit.Skipped);
        var warnings = new List<string>(dataset.Warnings);
        var pixels = new AuproAccumulator();
        int size = options.ImageSize, done = 0;
        var paths = dataset.Test.Select(s => s.ImagePath).ToList();
        double metricSeconds = 0;
        // Native-aspect mode: batches hold only images of one size, and each map and mask is at its image's resized
        // size.
        foreach (var (batch, results) in model.ScoreAll(ImageBatches.Read(paths, size, options.BatchSize,
            s => skipped.Add(s), mode: embedder.Resize)))
        {
            foreach (var r in results)
            {
                var sample = bySample[r.Path];
                scored.Add((sample, r.Score));
                var m = Stopwatch.StartNew();
                var mask = MaskAt(sample, r.MapWidth, r.MapHeight, warnings);
                if (mask is not null) pixels.Add(r.Map, mask, r.MapWidth, r.MapHeight);
                metricSeconds += m.Elapsed.TotalSeconds;
            }
            done += batch.Paths.Count;
            progress?.Report(new StageProgress("score",
                (double)(done + skipped.Count - fit.Skipped.Count) / paths.Count, Path.GetFileName(batch.Paths[^1])));
        }
        double scoreSeconds = watch.Elapsed.TotalSeconds - metricSeconds;

        watch.Restart();
        var scores = scored.Select(s => s.Score).ToArray();
        var labels = scored.Select(s => s.Sample.IsAnomalous).ToArray();
        bool bothClasses = labels.Any(l => l) && labels.Any(l => !l);
        double imageAuroc = bothClasses ? Auroc.Compute(scores, labels) : double.NaN;
        if (!bothClasses) warnings.Add("the test split has only one class: image AUROC is undefined");
        var f1 = bothClasses ? ThresholdSearch.F1Optimal(scores, labels) : default;
        var atCalibrated = ThresholdCalibration.RateAt(model.Threshold.Value, scores, labels);
        var atF1 = bothClasses ? ThresholdCalibration.RateAt(f1.Threshold, scores, labels) : default;
        bool pixelOk = pixels.RegionCount > 0 && pixels.NormalPixelCount > 0;
        double? pixelAuroc = pixelOk ? pixels.ComputePixelAuroc() : null;
        double? aupro = pixelOk ? pixels.Compute() : null;
        var byDefect = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var type in scored.Where(s => s.Sample.IsAnomalous).Select(s => s.Sample.DefectType).Distinct())
        {
            var subset = scored.Where(s => !s.Sample.IsAnomalous || s.Sample.DefectType == type).ToList();
            if (subset.Any(s => !s.Sample.IsAnomalous))
                byDefect[type] = Auroc.Compute(subset.Select(s => s.Score).ToArray(),
                    subset.Select(s => s.Sample.IsAnomalous).ToArray());
        }
        metricSeconds += watch.Elapsed.TotalSeconds;

        var report = new EvaluationReport
        {
            Category = dataset.Category,
            Layout = dataset.Layout.ToString(),
            ImageAuroc = imageAuroc,
            PixelAuroc = pixelAuroc,
            Aupro = aupro,
            TrainImages = fit.TrainImages,
            TestImages = scored.Count,
            TestGood = labels.Count(l => !l),
            TestDefective = labels.Count(l => l),
            BankSize = fit.BankSize,
            CoreSize = fit.CoreSize,
            Seconds = new StageSeconds(fit.EmbedSeconds, fit.FitSeconds, fit.CalibrationSeconds, scoreSeconds,
                metricSeconds, total.Elapsed.TotalSeconds),
            ImagesPerSecond = scored.Count / Math.Max(scoreSeconds, 1e-9),
            PeakMemoryMb = System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0,
            Threshold = model.Threshold.Value,
            FalseRejectRate = atCalibrated.FalseRejectRate,
            EscapeRate = atCalibrated.EscapeRate,
            F1Optimal = f1,
            AtF1Optimal = atF1,
            ImageAurocByDefect = byDefect,
            Settings = new SettingsUsed(options.ImageSize, options.Ldknn.K, options.Ldknn.Lambda,
                options.Ldknn.CoresetRatio, options.Shots,
                options.Ldknn.Seed, embedder.Name, TorchSharp.torch.get_num_threads(),
                Search.KnnOptions.Default.Precision.ToString())
                { Resize = ResizeRule.Name(embedder.Resize) },
            Skipped = skipped,
            Warnings = warnings,
            Adaptation = adaptation is not null ? AdaptationSummary.From(adaptation.Candidate)
                : embedder is Features.FeatureExtractor { AdaptationJson: { } aj }
                ? AdaptationSummary.From(Adaptation.AdaptationRecord.FromJson(aj)) : null,
            AdaptationGuard = adaptation?.Guard,
            BackboneUsed = embedder is Features.FeatureExtractor { AdaptationJson: not null } ? "adapted" : "imagenet",
        };
        // Predicted vs measured rates, the legacy rule for comparison, the review loop, the fold study.
        report = (verdicts ?? new VerdictEvalOptions()).Apply(report, model, fit.TrainImages,
            scored.Select(s => (s.Sample.ImagePath, s.Score, s.Sample.IsAnomalous)).ToList(), progress);
        File.WriteAllText(Path.Combine(outDir, "metrics.json"), JsonSerializer.Serialize(report, Json));
        WriteScoresCsv(Path.Combine(outDir, "scores.csv"), scored, model);
        WriteOverlays(Path.Combine(outDir, "overlays"), model, scored, overlaysPerCase);
        return new Result(report, model, fit, scored);
    }

    /// <summary>The ground truth at width x height, the map's size (union of the image's masks, nearest resize); null
    /// when there is none to use.</summary>
    private static bool[]? MaskAt(DatasetSample sample, int width, int height, List<string> warnings)
    {
        if (!sample.IsAnomalous) return new bool[width * height];
        if (sample.MaskPaths.Count == 0) return null;
        bool[]? union = null;
        foreach (var path in sample.MaskPaths)
        {
            try
            {
                var m = ImageResizer.ResizeMaskNearest(ImageLoader.LoadMask(path, out int w, out int h), w, h, width,
                    height);
                if (union is null) union = m;
                else for (int i = 0; i < union.Length; i++) union[i] |= m[i];
            }
            catch (ImageLoadException e)
            {
                warnings.Add($"mask skipped: {e.Message}");
                return null;
            }
        }
        return union;
    }

    private static void WriteScoresCsv(string path, List<(DatasetSample Sample, float Score)> scored,
        InspectionModel model) =>
        ScoresCsv.Write(path,
            scored.Select(x => new ScoreRow(x.Sample.ImagePath, x.Sample.DefectType, x.Sample.IsAnomalous,
            x.Score, Verdict.IsReject(x.Score, model.Threshold.Value), model.Threshold.Value,
            model.Manifest?.Version)));

    /// <summary>
    /// Pictures people look at first: the worst cases (highest-scored good parts = false rejects, lowest-scored defects
    /// = escapes) and the best (clearest defects, calmest good parts). They are scored again here, so no map is kept
    /// meanwhile. </summary>
    private static void WriteOverlays(string dir, InspectionModel model,
        List<(DatasetSample Sample, float Score)> scored, int perCase)
    {
        if (perCase <= 0 || scored.Count == 0) return;
        Directory.CreateDirectory(dir);
        var good = scored.Where(s => !s.Sample.IsAnomalous).OrderByDescending(s => s.Score).ToList();
        var bad = scored.Where(s => s.Sample.IsAnomalous).OrderBy(s => s.Score).ToList();
        var picks = new List<(string Name, DatasetSample Sample)>();
        void Take(string prefix, IEnumerable<(DatasetSample Sample, float Score)> items)
        {
            int i = 0;
            foreach (var it in items.Take(perCase)) picks.Add(($"{prefix}-{++i}", it.Sample));
        }
        Take("worst-good", good);
        Take("worst-defect", bad);
        Take("best-defect", Enumerable.Reverse(bad));
        Take("best-good", Enumerable.Reverse(good));
        foreach (var (name, sample) in picks.DistinctBy(p => p.Name))
        {
            var (original, resized) = ImageSource.FromFile(sample.ImagePath)
                .Prepare(model.Embedder.ImageSize, model.Embedder.Resize);
            using var _resized = resized;
            using var batch = new ImageBatch([sample.ImagePath], resized.unsqueeze(0), [original]);
            var r = model.Score(batch)[0];
            var stem = Path.GetFileNameWithoutExtension(sample.ImagePath);
            File.WriteAllBytes(Path.Combine(dir, $"{name}-{sample.DefectType}-{stem}.png"),
                OverlayRenderer.Render(r, original, model.Threshold));
        }
    }
}
