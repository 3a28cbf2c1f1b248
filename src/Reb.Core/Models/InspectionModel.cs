using Reb.Core.Calibration;
using Reb.Core.Imaging;
using Reb.Core.Features;
using Reb.Core.Models;
using Reb.Core.Ldknn;
using static TorchSharp.torch;

namespace Reb.Core.Models;

/// <summary>
/// A fitted product-line model in memory: the patch embedder (backbone + aggregation), the LDKNN index and the
/// calibrated threshold. Scores batches of resized images; owns its tensors.
/// </summary>
public sealed class InspectionModel(IPatchEmbedder embedder, LdknnIndex index, ThresholdInfo threshold,
    InspectionOptions options) : IDisposable
{
    public IPatchEmbedder Embedder { get; } = embedder;
    public LdknnIndex Index { get; } = index;
    public ThresholdInfo Threshold { get; } = threshold;
    public InspectionOptions Options { get; } = options;
    /// <summary>Set when the model was loaded from or saved to a model directory.</summary>
    public ModelManifest? Manifest { get; set; }
    /// <summary>The bank rows' neighbour distances (fits without coreset), so good images can be appended
    /// by <see cref="BankUpdate"/>; null when unknown (loaded models, coreset fits). Owned by the model.</summary>
    public BankNeighbours? Neighbours { get; set; }
    /// <summary>Each training image's patch grid in bank order, when known: fitted in this process, or loaded from a
    /// native-aspect model that recorded it (grids.i64); null for loaded square models (one grid) and older aspect
    /// models.</summary>
    public BankLayout? Layout { get; set; }

    /// <summary>
    /// The bank layout of the core set for stages that cut it per image (legacy rule, fold study, review): the fitted
    /// one, or, for a square model, n images of one grid. A loaded native-aspect model does not know its images' grids.
    /// </summary>
    public BankLayout LayoutOf(int images) => Layout
        ?? (Embedder.Resize == ResizeMode.Square ? BankLayout.Uniform(images, PatchGrid.Square(Embedder.GridSize))
            : throw new NotSupportedException("this native-aspect model was saved before models recorded their " +
                "training images' patch grids: retrain the line to append images to it or recalibrate it"));

    /// <summary>Patches one search of <see cref="ScoreAll"/> takes at most (32 images of 32 x 32).</summary>
    public const int ScoringSearchPatches = 32_768;

    /// <summary>Patch-score maps [N,GH,GW] for a batch [N,3,H,W] (GH = GW = G in square mode).</summary>
    public Tensor PatchScoreMaps(Tensor images)
    {
        using var scope = NewDisposeScope();
        var features = Embedder.Embed(images);
        var scores = Index.ScorePatches(features);
        var g = Embedder.GridOf(images.shape[2], images.shape[3]);
        return scores.reshape(images.shape[0], g.Height, g.Width).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Scores a stream of batches (as read for the backbone, <see cref="InspectionOptions.BatchSize"/> images each) and
    /// yields each batch with its results, in order. The backbone runs on each batch as it comes, while the reader
    /// prepares the next; one search then takes the patches of consecutive batches of one image size, up to <see
    /// cref="ScoringSearchPatches"/>: a larger search shares its cells among more queries (on the aligned-board proxy
    /// 32 images searched at once took about a fifth less time per image than 8, docs/benchmarks.md). The results
    /// are those of <see cref="Score"/> on each batch. Each batch is disposed once the caller moves past it.
    /// </summary>
    public IEnumerable<(ImageBatch Batch, IReadOnlyList<ScoredImage> Results)> ScoreAll(IEnumerable<ImageBatch> batches)
    {
        var group = new List<(ImageBatch Batch, Tensor Features, PatchGrid Grid)>();
        long patches = 0;
        try
        {
            foreach (var batch in batches)
            {
                var g = Embedder.GridOf(batch.Images.shape[2], batch.Images.shape[3]);
                long batchPatches = batch.Images.shape[0] * g.Height * g.Width;
                if (group.Count > 0 && (patches + batchPatches > ScoringSearchPatches
                    || !SameSize(group[0].Batch.Images, batch.Images)))
                {
                    foreach (var scored in Flush(group)) yield return scored;
                    patches = 0;
                }
                Tensor features;
                try { features = Embedder.Embed(batch.Images); }
                catch { batch.Dispose(); throw; }
                group.Add((batch, features, g));
                patches += batchPatches;
            }
            foreach (var scored in Flush(group)) yield return scored;
        }
        finally
        {
            foreach (var (batch, features, _) in group) { features.Dispose(); batch.Dispose(); }
        }
    }

    // One search over the group's patches and each batch's results from its slice of the scores; then the batches are
    // handed out in order, each taken out of the group first (the caller's loop may stop at any one).
    private IEnumerable<(ImageBatch, IReadOnlyList<ScoredImage>)> Flush(
        List<(ImageBatch Batch, Tensor Features, PatchGrid Grid)> group)
    {
        if (group.Count == 0) yield break;
        var results = new IReadOnlyList<ScoredImage>[group.Count];
        using (var scope = NewDisposeScope())
        {
            var scores = Index.ScorePatches(cat(group.Select(x => x.Features).ToList(), 0));
            long at = 0;
            for (int i = 0; i < group.Count; i++)
            {
                var (batch, _, g) = group[i];
                int h = (int)batch.Images.shape[2], w = (int)batch.Images.shape[3];
                long n = batch.Images.shape[0], size = n * g.Height * g.Width;
                results[i] = Results(batch.Paths, scores.narrow(0, at, size).reshape(n, g.Height, g.Width),
                    h, w);
                at += size;
            }
        }
        foreach (var result in results)
        {
            var (batch, features, _) = group[0];
            group.RemoveAt(0);
            features.Dispose();
            using (batch) yield return (batch, result);
        }
    }

    private static bool SameSize(Tensor a, Tensor b) => a.shape[2] == b.shape[2] && a.shape[3] == b.shape[3];

    public IReadOnlyList<ScoredImage> Score(ImageBatch batch)
    {
        using var scope = NewDisposeScope();
        // The map at the batch's resized size: ImageSize square, or the native-aspect size of these images.
        return Results(batch.Paths, PatchScoreMaps(batch.Images), (int)batch.Images.shape[2],
            (int)batch.Images.shape[3]);
    }

    private ScoredImage[] Results(IReadOnlyList<string> paths, Tensor patchMaps, int h, int w)
    {
        var (imageScores, maps) = AnomalyMaps.Assemble(patchMaps, h, w);
        var result = new ScoredImage[imageScores.Length];
        for (int i = 0; i < result.Length; i++)
            result[i] =
                new ScoredImage(paths[i], imageScores[i], Verdict.IsReject(imageScores[i], Threshold.Value),
                maps[i], Embedder.ImageSize) { MapHeight = h, MapWidth = w };
        return result;
    }

    public void Dispose()
    {
        Index.Dispose();
        Neighbours?.Dispose();
        Embedder.Dispose();
    }
}
