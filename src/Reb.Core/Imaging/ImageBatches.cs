using System.Threading.Channels;
using Reb.Core.Imaging;
using static TorchSharp.torch;

namespace Reb.Core.Imaging;

/// <summary>A batch of decoded, resized images ready for the backbone, with the originals kept for overlays when
/// asked.</summary>
public sealed class ImageBatch(IReadOnlyList<string> paths, Tensor images, IReadOnlyList<RgbImage?> originals)
    : IDisposable
{
    public IReadOnlyList<string> Paths { get; } = paths;
    /// <summary>[N,3,H,W] float RGB 0..255 (H = W = S in square mode; every image of a batch has the same
    /// size).</summary>
    public Tensor Images { get; } = images;
    public IReadOnlyList<RgbImage?> Originals { get; } = originals;
    public void Dispose() => Images.Dispose();
}

/// <summary>
/// Reads images on a background task while the caller runs the backbone on the previous batch: a bounded
/// producer/consumer pipeline (at most <c>prefetch</c> batches in memory). Unreadable files are reported through
/// <c>onSkip</c> and left out; the run goes on. In native-aspect mode images of different sizes cannot share a tensor:
/// each read chunk is cut into runs of consecutive equal-sized images, one batch per run, so the order is kept.
/// </summary>
public static class ImageBatches
{
    public static async IAsyncEnumerable<ImageBatch> ReadAsync(IReadOnlyList<ImageSource> sources, int imageSize,
        int batchSize,
        Action<SkippedImage> onSkip, bool keepOriginals = false, int prefetch = 2, ResizeMode mode = ResizeMode.Square,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize));
        var channel = Channel.CreateBounded<ImageBatch>(new BoundedChannelOptions(prefetch)
        {
            SingleReader = true,
            SingleWriter = true
        });
        var producer = Task.Run(async () =>
        {
            try
            {
                for (int start = 0; start < sources.Count; start += batchSize)
                {
                    var chunk = sources.Skip(start).Take(batchSize).ToList();
                    var decoded = new (string Path, RgbImage? Image, Tensor? Resized)[chunk.Count];
                    var reasons = new string?[chunk.Count];
                    Parallel.For(0, chunk.Count,
                        new ParallelOptions { MaxDegreeOfParallelism = 2, CancellationToken = ct }, i =>
                    {
                        try
                        {
                            var (img, resized) = chunk[i].Prepare(imageSize, mode);
                            decoded[i] = (chunk[i].Name, img, resized);
                        }
                        catch (ImageLoadException e)
                        {
                            decoded[i] = (chunk[i].Name, null, null);
                            reasons[i] = e.Reason;
                        }
                    });
                    // Reported in input order, on this one thread, so callers need no locking.
                    for (int i = 0; i < chunk.Count; i++)
                        if (reasons[i] is { } reason) onSkip(new SkippedImage(chunk[i].Name, reason));
                    var ok = decoded.Where(d => d.Resized is not null).ToList();
                    // Square mode: one run per chunk, as before. Aspect mode: a new batch wherever the size changes.
                    for (int runStart = 0; runStart < ok.Count;)
                    {
                        int runEnd = runStart + 1;
                        while (runEnd < ok.Count && SameSize(ok[runEnd].Resized!, ok[runStart].Resized!)) runEnd++;
                        var run = ok.GetRange(runStart, runEnd - runStart);
                        var images = stack(run.Select(d => d.Resized!).ToArray());
                        foreach (var d in run) d.Resized!.Dispose();
                        var batch = new ImageBatch(run.Select(d => d.Path).ToList(), images,
                            run.Select(d => keepOriginals ? d.Image : null).ToList());
                        await channel.Writer.WriteAsync(batch, ct);
                        runStart = runEnd;
                    }
                }
                channel.Writer.Complete();
            }
            catch (Exception e) { channel.Writer.Complete(e); }
        }, ct);

        await foreach (var batch in channel.Reader.ReadAllAsync(ct)) yield return batch;
        await producer;
    }

    private static bool SameSize(Tensor a, Tensor b) => a.shape[1] == b.shape[1] && a.shape[2] == b.shape[2];

    /// <summary>Synchronous view for callers that are not async.</summary>
    public static IEnumerable<ImageBatch> Read(IReadOnlyList<ImageSource> sources, int imageSize, int batchSize,
        Action<SkippedImage> onSkip,
        bool keepOriginals = false, ResizeMode mode = ResizeMode.Square)
    {
        var e = ReadAsync(sources, imageSize, batchSize, onSkip, keepOriginals, mode: mode).GetAsyncEnumerator();
        try
        {
            while (e.MoveNextAsync().AsTask().GetAwaiter().GetResult()) yield return e.Current;
        }
        finally { e.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
    }

    /// <summary>Files on disk (the CLI's case).</summary>
    public static IEnumerable<ImageBatch> Read(IReadOnlyList<string> paths, int imageSize, int batchSize,
        Action<SkippedImage> onSkip,
        bool keepOriginals = false, ResizeMode mode = ResizeMode.Square) =>
        Read(paths.Select(ImageSource.FromFile).ToList(), imageSize, batchSize, onSkip, keepOriginals, mode);
}
