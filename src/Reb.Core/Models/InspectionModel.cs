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

    /// <summary>Patch-score maps [N,GH,GW] for a batch [N,3,H,W] (GH = GW = G in square mode).</summary>
    public Tensor PatchScoreMaps(Tensor images)
    {
        using var scope = NewDisposeScope();
        var features = Embedder.Embed(images);
        var scores = Index.ScorePatches(features);
        var g = Embedder.GridOf(images.shape[2], images.shape[3]);
        return scores.reshape(images.shape[0], g.Height, g.Width).MoveToOuterDisposeScope();
    }

    public IReadOnlyList<ScoredImage> Score(ImageBatch batch)
    {
        using var scope = NewDisposeScope();
        // The map at the batch's resized size: ImageSize square, or the native-aspect size of these images.
        int h = (int)batch.Images.shape[2], w = (int)batch.Images.shape[3];
        var (imageScores, maps) = AnomalyMaps.Assemble(PatchScoreMaps(batch.Images), h, w);
        var result = new ScoredImage[imageScores.Length];
        for (int i = 0; i < result.Length; i++)
            result[i] =
                new ScoredImage(batch.Paths[i], imageScores[i], Verdict.IsReject(imageScores[i], Threshold.Value),
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
