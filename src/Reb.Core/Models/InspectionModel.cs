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
public sealed class InspectionModel(IPatchEmbedder embedder, LdknnIndex index, ThresholdInfo threshold, InspectionOptions options) : IDisposable
{
    public IPatchEmbedder Embedder { get; } = embedder;
    public LdknnIndex Index { get; } = index;
    public ThresholdInfo Threshold { get; } = threshold;
    public InspectionOptions Options { get; } = options;
    /// <summary>Set when the model was loaded from or saved to a model directory.</summary>
    public ModelManifest? Manifest { get; set; }
    /// <summary>Issue 14: the bank rows' neighbour distances (fits without coreset), so good images can be appended
    /// by <see cref="BankUpdate"/>; null when unknown (loaded models, coreset fits). Owned by the model.</summary>
    public BankNeighbours? Neighbours { get; set; }

    /// <summary>Patch-score maps [N,G,G] for a batch [N,3,S,S].</summary>
    public Tensor PatchScoreMaps(Tensor images)
    {
        using var scope = NewDisposeScope();
        var features = Embedder.Embed(images);
        var scores = Index.ScorePatches(features);
        int g = Embedder.GridSize;
        return scores.reshape(images.shape[0], g, g).MoveToOuterDisposeScope();
    }

    public IReadOnlyList<ScoredImage> Score(ImageBatch batch)
    {
        using var scope = NewDisposeScope();
        var maps = PatchScoreMaps(batch.Images);
        var imageScores = AnomalyMaps.ImageScores(maps);
        var pixel = AnomalyMaps.PixelMaps(maps, Embedder.ImageSize);
        int s = Embedder.ImageSize;
        var result = new ScoredImage[imageScores.Length];
        for (int i = 0; i < result.Length; i++)
        {
            using var m = pixel[i];
            result[i] = new ScoredImage(batch.Paths[i], imageScores[i], Verdict.IsReject(imageScores[i], Threshold.Value),
                m.contiguous().data<float>().ToArray(), s);
        }
        return result;
    }

    public void Dispose()
    {
        Index.Dispose();
        Neighbours?.Dispose();
        Embedder.Dispose();
    }
}
