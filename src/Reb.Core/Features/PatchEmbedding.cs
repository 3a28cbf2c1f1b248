using Reb.Core.Imaging;
using static TorchSharp.torch;

namespace Reb.Core.Features;

/// <summary>
/// The embed stage (method spec sections 1-2): encoded images -> decode -> resize -> backbone -> patch features. The
/// single process (`reb fit/eval/score`), the adaptation guard, the training grain and the scoring grain all call
/// these two functions, so an image becomes the same features wherever it is embedded.
/// </summary>
public static class PatchEmbedding
{
    /// <summary>
    /// All patch features of the readable images, [images * G*G, D] float32 on the CPU, rows grouped by image in input
    /// order, in batches of <paramref name="batchSize"/> (a batch size changes libtorch's convolution blocking, so the
    /// same images embedded with another batch size may differ in the last bits: callers that must agree use the same).
    /// Unreadable images are reported through <paramref name="skipped"/> and left out.
    /// </summary>
    /// <returns>The bank and the names of the images used, in bank order.</returns>
    public static (Tensor Bank, List<string> Used) EmbedAll(IReadOnlyList<ImageSource> images, IPatchEmbedder embedder, int batchSize,
        List<SkippedImage> skipped, IProgress<StageProgress>? progress = null, CancellationToken ct = default)
    {
        long perImage = (long)embedder.GridSize * embedder.GridSize;
        var bank = empty(images.Count * perImage, embedder.Dim);
        var used = new List<string>();
        try
        {
            foreach (var batch in ImageBatches.Read(images, embedder.ImageSize, batchSize, skipped.Add))
            {
                using (batch)
                using (var scope = NewDisposeScope())
                {
                    ct.ThrowIfCancellationRequested();
                    var f = embedder.Embed(batch.Images);
                    bank.narrow(0, used.Count * perImage, f.shape[0]).copy_(f.cpu());
                    used.AddRange(batch.Paths);
                }
                progress?.Report(new StageProgress("embed", (double)(used.Count + skipped.Count) / images.Count, Path.GetFileName(batch.Paths[^1])));
            }
        }
        catch
        {
            bank.Dispose();
            throw;
        }
        if (used.Count == images.Count) return (bank, used);
        var trimmed = bank.narrow(0, 0, used.Count * perImage).clone();
        bank.Dispose();
        return (trimmed, used);
    }

    /// <summary>Patch features of one encoded image, [G*G, D] float32 on the CPU (a batch of one, as scoring embeds).</summary>
    /// <exception cref="ImageLoadException">the image cannot be decoded (names it, says why).</exception>
    /// <param name="decoded">called once the image is decoded and resized, before the backbone (for stage timings).</param>
    public static Tensor EmbedOne(ImageSource image, IPatchEmbedder embedder, long maxPixels = ImageLoader.DefaultMaxPixels, Action? decoded = null)
    {
        using var scope = NewDisposeScope();
        var (_, resized) = image.Prepare(embedder.ImageSize, maxPixels);
        decoded?.Invoke();
        return embedder.Embed(resized.unsqueeze(0)).cpu().MoveToOuterDisposeScope();
    }
}
