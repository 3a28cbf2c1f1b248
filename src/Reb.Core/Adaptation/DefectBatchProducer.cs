using System.Threading.Channels;
using Reb.Core.DefectMaker;
using TorchSharp;

namespace Reb.Core.Adaptation;

/// <summary>One forward pass worth of training data: pass <see cref="Pass"/> of optimiser step <see
/// cref="Step"/>.</summary>
public sealed record PassBatch(int Step, int Pass, DefectBatch Batch) : IDisposable
{
    public void Dispose() => Batch.Dispose();
}

/// <summary>
/// Makes the DefectMaker batches of steps [first, last] on a background thread while the network trains on the
/// previous ones: a bounded channel (capacity 2) keeps at most two batches waiting, so memory stays bounded and the
/// producer blocks when it is ahead. Step i's batches depend only on (seed, i) (<see cref="StepRandom"/>), never
/// on timing. Dispose stops the producer and frees every batch still queued.
/// </summary>
public sealed class DefectBatchProducer : IDisposable
{
    /// <summary>Batches that may wait in the channel.</summary>
    public const int Capacity = 2;

    private readonly Channel<PassBatch> _channel = Channel.CreateBounded<PassBatch>(
        new BoundedChannelOptions(Capacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait
        });
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _worker;

    /// <param name="sampler">DefectMaker over the category's training images (used by the producer thread only, while
    /// this runs).</param> <param name="random">Per-step generators.</param>
    /// <param name="firstStep">First optimiser step to produce (1-based).</param>
    /// <param name="lastStep">Last optimiser step to produce.</param>
    /// <param name="sourcesPerPass">Sources per batch; each gives 7 images.</param>
    /// <param name="passesPerStep">Batches per step.</param>
    /// <param name="augmentation">Section 5's augmentation, applied to every image.</param>
    /// <param name="producerThreads">libtorch intra-op threads on the producer thread (0 = leave as is).</param>
    public DefectBatchProducer(DefectSampler sampler, StepRandom random, int firstStep, int lastStep,
        int sourcesPerPass, int passesPerStep,
        Augmentation augmentation, int producerThreads = 0)
    {
        ArgumentNullException.ThrowIfNull(sampler);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(augmentation);
        var token = _stop.Token;
        _worker = Task.Factory.StartNew(() =>
        {
            try
            {
                if (producerThreads > 0)
                {
                    // This thread only (see ThisThreadOpenMp): first the thread's libtorch state, which adopts the
                    // process default, then its own count. Where the runtime is not found the producer keeps the
                    // default (slower on a small machine, and as deterministic).
                    torch.get_num_threads();
                    ThisThreadOpenMp.TrySet(producerThreads);
                }
                for (int step = firstStep; step <= lastStep; step++)
                {
                    var rng = random.ForStep(step);
                    for (int pass = 1; pass <= passesPerStep; pass++)
                    {
                        token.ThrowIfCancellationRequested();
                        var sources = DrawSources(sampler, sourcesPerPass, rng);
                        var item = new PassBatch(step, pass, sampler.MakeBatch(sources, rng, augmentation));
                        try { _channel.Writer.WriteAsync(item, token).AsTask().GetAwaiter().GetResult(); }
                        catch { item.Dispose(); throw; }
                    }
                }
                _channel.Writer.TryComplete();
            }
            catch (Exception e)
            {
                // The reader sees the failure (or the cancellation) when it asks for the next batch.
                _channel.Writer.TryComplete(e);
            }
        }, token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>The next batch in step/pass order; blocks until it is ready. The caller disposes it.</summary>
    /// <exception cref="InvalidOperationException">No more batches (all steps produced).</exception>
    public PassBatch Next(CancellationToken cancellation = default)
    {
        try
        {
            return _channel.Reader.ReadAsync(cancellation).AsTask().GetAwaiter().GetResult();
        }
        catch (ChannelClosedException e) when (e.InnerException is not null and not OperationCanceledException)
        {
            throw new InvalidOperationException($"Making DefectMaker batches failed: {e.InnerException.Message}",
                e.InnerException);
        }
        catch (ChannelClosedException e)
        {
            throw new InvalidOperationException("The producer has no more batches.", e);
        }
    }

    /// <summary>
    /// N source indices for one batch: distinct while N does not exceed the image count (a partial shuffle);
    /// beyond that, further shuffles of all images are appended, so small categories still fill the batch.
    /// </summary>
    public static int[] DrawSources(DefectSampler sampler, int n, Random rng)
    {
        var result = new List<int>(n);
        while (result.Count < n) result.AddRange(sampler.DrawSources(Math.Min(n - result.Count, sampler.Count), rng));
        return result.ToArray();
    }

    public void Dispose()
    {
        _stop.Cancel();
        try { _worker.Wait(); } catch (AggregateException) { }
        _channel.Writer.TryComplete();
        while (_channel.Reader.TryRead(out var left)) left.Dispose();
        _stop.Dispose();
    }
}
