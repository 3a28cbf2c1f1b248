using static TorchSharp.torch;

namespace Reb.Core.Search;

/// <summary>
/// Synthetic stand-ins for CNN patch features, for tests and benchmarks: x = avgpool(relu(z W + offset)),
/// with z drawn around a few cluster centres. Non-negative, strongly correlated, with a large common offset:
/// the hard case for a bfloat16 screen (large norms, small neighbour distances).
/// </summary>
public static class KnnSyntheticData
{
    /// <summary>[n, dim] float32 features; the same seed gives the same mixing weights and centres.</summary>
    /// <param name="n">Rows.</param>
    /// <param name="dim">Feature dimension.</param>
    /// <param name="seed">Seed of the shared structure (weights, centres) and the samples.</param>
    /// <param name="clusters">Number of latent cluster centres (patch "types").</param>
    /// <param name="spread">Within-cluster spread of the latent code (smaller = tighter neighbourhoods).</param>
    /// <param name="sampleSeed">Seed of the samples only (queries from the same distribution use another
    /// value).</param>
    public static Tensor PatchLike(long n, int dim, int seed = 1, int clusters = 64, double spread = 0.5,
        int? sampleSeed = null)
    {
        using var scope = NewDisposeScope();
        const int latent = 48;
        var structure = new Generator((ulong)seed);
        var centres = randn(new long[] { clusters, latent }, generator: structure);
        var weights = randn(new long[] { latent, 3L * dim }, generator: structure) / Math.Sqrt(latent);
        var offset = 0.5 + 0.3 * rand(new long[] { 3L * dim }, generator: structure);
        var samples = new Generator((ulong)(sampleSeed ?? seed + 1000));
        var assignment = randint(clusters, new long[] { n }, generator: samples);
        var z = centres.index_select(0, assignment) + spread * randn(new long[] { n, latent }, generator: samples);
        var x = nn.functional.relu(z.mm(weights) + offset);
        // Average pool groups of 3 channels, like the adaptive pooling of unfolded CNN maps.
        return x.reshape(n, dim, 3).mean(new long[] { 2 }).contiguous().MoveToOuterDisposeScope();
    }
}
