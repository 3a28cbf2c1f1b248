using Reb.Core.Imaging;
using static TorchSharp.torch;

namespace Reb.Core.Features;

/// <summary>Patch features of a set of images with each image's patch grid (rows grouped by image in <see cref="Used"/>
/// order).</summary>
public sealed record EmbeddedImages(Tensor Bank, List<string> Used, BankLayout Layout);

/// <summary>
/// The embed stage (method spec sections 1-2): encoded images -> decode -> resize -> backbone -> patch features. The
/// single process (`reb fit/eval/score`), the adaptation guard, the training grain and the scoring grain all call
/// these functions, so an image becomes the same features wherever it is embedded. The embedder's resize mode decides
/// the input size (square, or native aspect: then every image has its own grid, returned with its features).
/// </summary>
public static class PatchEmbedding
{
    /// <summary>
    /// All patch features of the readable images, [sum of grid sizes, D] float32 on the CPU, rows grouped by image in
    /// input
    /// order, in batches of <paramref name="batchSize"/> (a batch size changes libtorch's convolution blocking, so the
    /// same images embedded with another batch size may differ in the last bits: callers that must agree use the same).
    /// Unreadable images are reported through <paramref name="skipped"/> and left out.
    /// </summary>
    /// <returns>The bank, the names of the images used in bank order, and each one's patch grid.</returns>
    public static EmbeddedImages EmbedWithGrids(IReadOnlyList<ImageSource> images, IPatchEmbedder embedder,
        int batchSize,
        List<SkippedImage> skipped, IProgress<StageProgress>? progress = null, CancellationToken ct = default)
    {
        // Every batch is copied into one bank tensor, so the bank is held once, not once in batches and again joined.
        // Its size is exact in square mode (images x G^2) and a lower bound in native-aspect mode (both sides >=
        // ImageSize), where it grows, on the images seen so far, to what the rest will need.
        var bank = empty((long)images.Count * embedder.GridSize * embedder.GridSize, embedder.Dim);
        long rows = 0;
        var used = new List<string>();
        var grids = new List<PatchGrid>();
        try
        {
            foreach (var batch in ImageBatches.Read(images, embedder.ImageSize, batchSize, skipped.Add,
                mode: embedder.Resize))
            {
                using (batch)
                using (var scope = NewDisposeScope())
                {
                    ct.ThrowIfCancellationRequested();
                    var grid = embedder.GridOf(batch.Images.shape[2], batch.Images.shape[3]);
                    var f = embedder.Embed(batch.Images);
                    if (f.shape[0] != batch.Paths.Count * grid.Count)
                        throw new InvalidOperationException(
                            $"the embedder gave {f.shape[0]} rows for {batch.Paths.Count} images of grid {grid}");
                    if (rows + f.shape[0] > bank.shape[0])
                    {
                        long seen = used.Count + batch.Paths.Count, need = rows + f.shape[0];
                        // the same rows per image for the rest
                        long estimate = need + (need * (images.Count - seen) + seen - 1) / seen;
                        var grown = empty(Math.Max(need, estimate), embedder.Dim);
                        grown.narrow(0, 0, rows).copy_(bank.narrow(0, 0, rows));
                        bank.Dispose();
                        bank = grown.DetachFromDisposeScope();
                    }
                    bank.narrow(0, rows, f.shape[0]).copy_(f);
                    rows += f.shape[0];
                    used.AddRange(batch.Paths);
                    grids.AddRange(Enumerable.Repeat(grid, batch.Paths.Count));
                }
                progress?.Report(new StageProgress("embed", (double)(used.Count + skipped.Count) / images.Count,
                    Path.GetFileName(batch.Paths[^1])));
            }
            if (rows < bank.shape[0])
            {
                // Skipped images (or a generous estimate) left rows unused: keep only the filled ones.
                var trimmed = bank.narrow(0, 0, rows).clone();
                bank.Dispose();
                bank = trimmed;
            }
            return new EmbeddedImages(bank, used, new BankLayout(grids));
        }
        catch
        {
            bank.Dispose();
            throw;
        }
    }

    /// <summary>Patch features of one encoded image, [G*G, D] float32 on the CPU (a batch of one, as scoring
    /// embeds).</summary>
    /// <exception cref="ImageLoadException">the image cannot be decoded (names it, says why).</exception>
    /// <param name="decoded">called once the image is decoded and resized, before the backbone (for stage
    /// timings).</param>
    public static Tensor EmbedOne(ImageSource image, IPatchEmbedder embedder,
        long maxPixels = ImageLoader.DefaultMaxPixels, Action? decoded = null) =>
        EmbedOneWithGrid(image, embedder, maxPixels, decoded).Features;

    /// <summary>
    /// <see cref="EmbedOne"/> with the image's patch grid ([grid.Count, D] rows in (y, x) order) and its resized height
    /// and width (the size its pixel map is made at).
    /// </summary>
    public static (Tensor Features, PatchGrid Grid, int Height, int Width) EmbedOneWithGrid(ImageSource image,
        IPatchEmbedder embedder,
        long maxPixels = ImageLoader.DefaultMaxPixels, Action? decoded = null)
    {
        using var scope = NewDisposeScope();
        var (_, resized) = image.Prepare(embedder.ImageSize, embedder.Resize, maxPixels);
        decoded?.Invoke();
        int height = (int)resized.shape[1], width = (int)resized.shape[2];
        var grid = embedder.GridOf(height, width);
        return (embedder.Embed(resized.unsqueeze(0)).cpu().MoveToOuterDisposeScope(), grid, height, width);
    }
}
