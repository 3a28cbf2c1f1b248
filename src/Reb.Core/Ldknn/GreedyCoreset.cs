using static TorchSharp.torch;

namespace Reb.Core.Ldknn;

/// <summary>
/// Approximate greedy k-centre coreset (PatchCore's sampler): project the bank to a few random dimensions, start from
/// the
/// mean distance to a handful of random points, then repeatedly take the point farthest from the chosen set (max-min).
/// </summary>
public static class GreedyCoreset
{
    /// <summary>Indices (ascending) of the chosen bank rows. ratio 1 returns every row.</summary>
    public static long[] Select(Tensor bank, LdknnOptions options, IProgress<double>? progress = null)
    {
        long n = bank.shape[0];
        if (options.CoresetRatio >= 1.0) return Enumerable.Range(0, checked((int)n)).Select(i => (long)i).ToArray();
        int count = Math.Max(1, (int)(n * options.CoresetRatio));
        using var scope = NewDisposeScope();
        var generator = new Generator((ulong)options.Seed);
        var projection =
            randn(bank.shape[1], options.CoresetProjection, generator: generator) / Math.Sqrt(bank.shape[1]);
        var reduced = bank.mm(projection);                                   // [n, p]
        var norms = reduced.pow(2).sum(1);                                    // [n]
        var rng = new Random(options.Seed);
        int starts = (int)Math.Min(options.CoresetStarts, n);
        var startIdx = Enumerable.Range(0, (int)n).OrderBy(_ => rng.Next()).Take(starts).Select(i => (long)i).ToArray();
        var startDist = Distances(reduced, norms, reduced[tensor(startIdx)]);  // [n, starts]
        var minDist = startDist.mean(new long[] { 1 });                       // [n]
        var chosen = new long[count];
        for (int i = 0; i < count; i++)
        {
            using var step = NewDisposeScope();
            long idx = minDist.argmax().item<long>();
            chosen[i] = idx;
            var d = Distances(reduced, norms, reduced[idx].unsqueeze(0)).squeeze(1);
            minDist.copy_(minimum(minDist, d));
            if ((i & 255) == 0) progress?.Report((double)i / count);
        }
        progress?.Report(1.0);
        Array.Sort(chosen);
        return chosen;
    }

    // Euclidean (not squared) distances, as the reference sampler averages them over the start points.
    private static Tensor Distances(Tensor x, Tensor xNorms, Tensor y)
    {
        var d2 = xNorms.unsqueeze(1) + y.pow(2).sum(1).unsqueeze(0) - 2 * x.mm(y.t());
        return d2.clamp_min(0).sqrt();
    }
}
