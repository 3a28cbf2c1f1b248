using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace Reb.Core.Backbones;

/// <summary>Speed measurement of a backbone (a plain method to call from a tool, never from unit tests).</summary>
public static class BackboneBenchmark
{
    /// <summary>
    /// Milliseconds per image to compute layer2 + layer3 (REB's feature extraction) in eval mode without gradients,
    /// on random batches of <paramref name="batch"/> images of <paramref name="size"/> x <paramref name="size"/>, with
    /// libtorch's current thread count (set it with torch.set_num_threads). One untimed warm-up run comes first;
    /// the backbone's train/eval mode is restored afterwards.
    /// </summary>
    public static double MeasureForwardMs(Backbone b, int batch, int size, int repeats)
    {
        ArgumentNullException.ThrowIfNull(b);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 32);
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);

        bool wasTraining = b.IsTraining;
        b.Eval();
        try
        {
            using var noGrad = torch.no_grad();
            using var input = torch.rand(batch, 3, size, size) * 255;
            using var preprocessed = b.Preprocess(input);
            RunOnce(b, preprocessed);
            var watch = Stopwatch.StartNew();
            for (int r = 0; r < repeats; r++) RunOnce(b, preprocessed);
            watch.Stop();
            return watch.Elapsed.TotalMilliseconds / ((double)repeats * batch);
        }
        finally
        {
            if (wasTraining) b.Train();
        }
    }

    private static void RunOnce(Backbone b, Tensor preprocessed)
    {
        using var scope = torch.NewDisposeScope();
        b.ForwardLayers(preprocessed, BackboneLayer.Layer2, BackboneLayer.Layer3);
    }
}
