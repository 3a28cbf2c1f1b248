using Reb.Core.Features;
using Reb.Core.DefectMaker;
using Reb.Core.Ldknn;
using Reb.Core;
using Reb.Core.Imaging;
using Reb.Core.Pipeline;
using static TorchSharp.torch;

namespace Reb.Core.Calibration;

/// <summary>
/// Predicted escape rate without labelled defects: DefectMaker's six kinds are painted on training images, and each
/// defective image is scored with its source image's whole fold out of the bank, so the untouched part of the image
/// scores like an unseen good part (with the source in the bank its clean patches would match themselves at distance 0
/// and only the painted patch would count: the kinds would look easier to catch than they are).
/// In native-aspect mode the sources are resized by the line's own rule, so defects lie on the line's geometry and are
/// scored over the image's own patch grid; each source's fold is excluded by its bank rows in the layout.
/// </summary>
public static class SyntheticEscape
{
    /// <param name="layout">each training image's patch grid in bank order (differs per image in native-aspect
    /// mode).</param>
    public static SyntheticEscapeEstimate Estimate(IReadOnlyList<string> trainImages, FoldGroups folds,
        BankLayout layout,
        LdknnIndex index, IPatchEmbedder embedder, double threshold, CalibrationOptions options,
        IProgress<StageProgress>? progress = null)
    {
        int n = trainImages.Count;
        if (n != folds.Images)
            throw new ArgumentException($"{n} images but the folds cover {folds.Images}", nameof(trainImages));
        if (n != layout.Images)
            throw new ArgumentException($"{n} images but the bank layout has {layout.Images}", nameof(layout));
        int count = Math.Min(options.SyntheticImages, n);
        if (count < 1)
            throw new ArgumentOutOfRangeException(nameof(options), "SyntheticImages must be >= 1 to estimate escapes");
        // Evenly spread sources: every part of the (ordered) training run is represented.
        var sources = Enumerable.Range(0, count).Select(c => (int)((long)c * n / count)).Distinct().ToArray();
        var defectOptions = new DefectMakerOptions { ImageSize = embedder.ImageSize, Resize = embedder.Resize };
        using var sampler = DefectSampler.FromFiles(sources.Select(i => trainImages[i]).ToList(), defectOptions);
        var perKind = DefectKinds.Defects.ToDictionary(k => k, _ => new List<float>());
        using var scorer = new FoldScorer(index, layout, folds);
        for (int s = 0; s < sources.Length; s++)
        {
            using var scope = NewDisposeScope();
            // One generator per source (not HashCode.Combine: salted per process): adding sources keeps earlier
            // defects.
            var rng = new Random(unchecked(options.Seed * 1_000_003 + 7919 * (sources[s] + 1)));
            var images = new List<Tensor>();
            foreach (var kind in DefectKinds.Defects)
            {
                var d = sampler.MakeDefect(s, kind, rng);
                images.Add(d.Image);
            }
            var (h, w) = sampler.SizeOf(s);
            var grid = embedder.GridOf(h, w);
            // The painted image must have its source's grid, or the fold's rows would not be the source's neighbours'
            // rows.
            if (grid != layout.Grids[sources[s]])
                throw new InvalidOperationException($"{trainImages[sources[s]]}: painted at {h}x{w} (grid {grid}) " +
                    $"but the bank holds it as grid {layout.Grids[sources[s]]}");
            var features = embedder.Embed(stack(images));
            var patch = scorer.ScorePatches(folds.FoldOf(sources[s]), features);
            var scores = AnomalyMaps.ImageScores(patch.reshape(images.Count, grid.Height, grid.Width));
            for (int k = 0; k < scores.Length; k++) perKind[DefectKinds.Defects[k]].Add(scores[k]);
            progress?.Report(new StageProgress("synthetic defects", (double)(s + 1) / sources.Length));
        }
        var byKind = new SortedDictionary<string, KindDetection>(StringComparer.Ordinal);
        int total = 0, detected = 0;
        foreach (var (kind, list) in perKind)
        {
            int hit = list.Count(v => Verdict.IsReject(v, threshold));
            byKind[kind.ToString()] = new KindDetection(list.Count, hit, (double)hit / list.Count, list.ToArray());
            total += list.Count;
            detected += hit;
        }
        // Each kind weighs the same (one of each per source), so the overall rate is the plain mean over all painted
        // images.
        return new SyntheticEscapeEstimate(1 - (double)detected / total, byKind, sources.Length, options.Seed,
            "synthetic: DefectMaker's six kinds, one each on evenly spread training images, scored with the source's " +
            "fold out of the bank");
    }

    /// <summary>The estimate re-read at another threshold (the scores do not depend on it).</summary>
    public static SyntheticEscapeEstimate AtThreshold(SyntheticEscapeEstimate e, double threshold)
    {
        var byKind = new SortedDictionary<string, KindDetection>(StringComparer.Ordinal);
        int total = 0, detected = 0;
        foreach (var (name, k) in e.PerKind)
        {
            int hit = k.Scores.Count(v => Verdict.IsReject(v, threshold));
            byKind[name] = k with { Detected = hit, DetectionRate = (double)hit / k.Count };
            total += k.Count; detected += hit;
        }
        return e with { PredictedEscapeRate = 1 - (double)detected / total, PerKind = byKind };
    }
}
