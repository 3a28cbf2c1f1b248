using System.Diagnostics;
using Reb.Core.DefectMaker;
using Reb.Core.Ldknn;
using Reb.Core.Metrics;
using Reb.Core;
using Reb.Core.Features;
using Reb.Core.Imaging;
using Reb.Core.Models;
using static TorchSharp.torch;

namespace Reb.Core.Adaptation;

/// <summary>
/// Decides, from good training images only, whether an adapted backbone should replace ImageNet's. A short CPU-budget
/// fine-tuning can blur features that ImageNet already separates well, and a plant has no defect labels to notice it:
/// the guard builds the same LDKNN detector on both backbones from a few training images and compares how well each
/// tells held-out good images from the same images with one DefectMaker defect pasted in. The held-out images must not
/// have been used by the adaptation (<see cref="Split"/>).
/// </summary>
public static class AdaptationGuard
{
    /// <summary>
    /// Splits the training images into the guard's validation images (seeded choice) and the rest, which the adaptation
    /// and the guard's bank use. Returns no validation images when there are too few to spare (fewer than 3 per
    /// held-out one). </summary>
    public static (IReadOnlyList<string> Validation, IReadOnlyList<string> Others) Split(IReadOnlyList<string> images,
        AdaptationGuardOptions options)
    {
        int v = Math.Min(options.ValidationImages, images.Count / 4);
        if (v < 2) return ([], images);
        var order = Enumerable.Range(0, images.Count).ToArray();
        new Random(options.Seed).Shuffle(order);
        var held = order.Take(v).Order().ToHashSet();
        return (held.Select(i => images[i]).ToList(),
            Enumerable.Range(0, images.Count).Where(i => !held.Contains(i)).Select(i => images[i]).ToList());
    }

    /// <summary>Compares the two embedders on the synthetic validation set built from <paramref
    /// name="validation"/>.</summary>
    public static AdaptationGuardVerdict Judge(IReadOnlyList<string> validation, IReadOnlyList<string> others,
        IPatchEmbedder imageNet,
        IPatchEmbedder adapted, AdaptationGuardOptions options, IProgress<StageProgress>? progress = null)
    {
        if (validation.Count < 2) throw new ArgumentException(
            $"the adaptation guard needs at least 2 held-out images, got {validation.Count}", nameof(validation));
        if (others.Count < 2) throw new ArgumentException(
            $"the adaptation guard needs at least 2 bank images, got {others.Count}", nameof(others));
        var watch = Stopwatch.StartNew();
        var bankImages = others.Count <= options.BankImages ? others
            : Enumerable.Range(0, options.BankImages)
            .Select(i => others[(int)((long)i * others.Count / options.BankImages)]).ToList();

        using var set = SyntheticValidation(validation, options);
        var (imageNetAuroc, imageNetPixel) = Measure(imageNet, bankImages, set, options, "guard: ImageNet", progress);
        var (adaptedAuroc, adaptedPixel) = Measure(adapted, bankImages, set, options, "guard: adapted", progress);
        bool keep = adaptedAuroc >= imageNetAuroc + options.MinGain;
        return new AdaptationGuardVerdict(keep, imageNetAuroc, adaptedAuroc, imageNetPixel, adaptedPixel,
            options.MinGain,
            bankImages.Count, validation.Count, watch.Elapsed.TotalSeconds);
    }

    /// <summary>[2V,3,S,S] images (V clean, then the same V with one defect each, kinds in turn) and [2V,S,S]
    /// masks.</summary>
    private sealed record ValidationSet(Tensor Images, Tensor Masks, bool[] Labels) : IDisposable
    {
        public void Dispose() { Images.Dispose(); Masks.Dispose(); }
    }

    private static ValidationSet SyntheticValidation(IReadOnlyList<string> validation, AdaptationGuardOptions options)
    {
        using var scope = NewDisposeScope();
        using var sampler =
            DefectSampler.FromFiles(validation, options.DefectMaker with { ImageSize = options.ImageSize });
        int v = validation.Count, s = options.ImageSize;
        var images = new List<Tensor>();
        var masks = new List<Tensor>();
        for (int i = 0; i < v; i++) { images.Add(sampler.Image(i)); masks.Add(zeros(s, s)); }
        for (int i = 0; i < v; i++)
        {
            // Every image gets its own generator: adding validation images does not change the earlier ones' defects.
            // not HashCode.Combine: it is salted per process
            var rng = new Random(unchecked(options.Seed * 1_000_003 + 7919 * (i + 1)));
            var kind = (DefectKind)(1 + i % 6);
            var d = sampler.MakeDefect(i, kind, rng);
            images.Add(d.Image);
            masks.Add(d.Mask.reshape(s, s));
        }
        var labels = Enumerable.Range(0, 2 * v).Select(i => i >= v).ToArray();
        return new ValidationSet(stack(images).MoveToOuterDisposeScope(), stack(masks).MoveToOuterDisposeScope(),
            labels);
    }

    private static (double Image, double Pixel) Measure(IPatchEmbedder embedder, IReadOnlyList<string> bankImages,
        ValidationSet set,
        AdaptationGuardOptions options, string stage, IProgress<StageProgress>? progress)
    {
        var inspection = new InspectionOptions
        {
            ImageSize = options.ImageSize,
            BatchSize = options.BatchSize,
            Ldknn = options.Ldknn
        };
        var skipped = new List<SkippedImage>();
        var (bank, _) =
            ModelFitter.Embed(bankImages.Select(ImageSource.FromFile).ToList(), embedder, inspection, skipped,
            new SyncProgress<StageProgress>(p => progress?.Report(p with { Stage = stage })));
        using (bank)
        using (var index = ModelFitter.FitIndex(bank, options.Ldknn))
        {
            int n = (int)set.Images.shape[0], g = embedder.GridSize, s = options.ImageSize;
            var scores = new float[n];
            var pixel = new PixelAuroc();
            for (int start = 0; start < n; start += options.BatchSize)
            {
                using var scope = NewDisposeScope();
                int count = Math.Min(options.BatchSize, n - start);
                var maps = index.ScorePatches(embedder.Embed(set.Images.narrow(0, start, count))).reshape(count, g, g);
                AnomalyMaps.ImageScores(maps).CopyTo(scores, start);
                var pixelMaps = AnomalyMaps.PixelMaps(maps, s);
                for (int i = 0; i < count; i++)
                {
                    var map = pixelMaps[i].contiguous().data<float>().ToArray();
                    var mask = set.Masks[start + i].gt(0.5f).contiguous().data<bool>().ToArray();
                    pixel.Add(map, mask);
                }
                progress?.Report(new StageProgress(stage, (double)(start + count) / n, "validation"));
            }
            return (Auroc.Compute(scores, set.Labels), pixel.Compute());
        }
    }
}
