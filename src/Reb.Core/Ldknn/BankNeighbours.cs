using Reb.Core.Search;
using static TorchSharp.torch;

namespace Reb.Core.Ldknn;

/// <summary>
/// The K ascending neighbour distances of every bank row (float32 [n, K], self excluded), i.e. what each density is the
/// mean of. Kept next to a fitted index so that rows can be appended later (<see cref="BankUpdate"/>) without searching
/// the old bank against itself again. Only for fits without a coreset: there the core set IS the bank.
/// </summary>
public sealed class BankNeighbours : IDisposable
{
    public BankNeighbours(Tensor distances)
    {
        if (distances.dim() != 2 || distances.dtype != ScalarType.Float32)
            throw new ArgumentException($"neighbour distances must be float32 [n, K], got {distances.dtype} " +
                $"[{string.Join(", ", distances.shape)}]", nameof(distances));
        Distances = distances.contiguous().DetachFromDisposeScope();
    }

    /// <summary>[n, K] float32, each row ascending.</summary>
    public Tensor Distances { get; }
    public long Rows => Distances.shape[0];
    public int K => (int)Distances.shape[1];

    /// <summary>
    /// The same fit as <c>ModelFitter.FitIndex</c> without a coreset (the same search and reduction,
    /// <see cref="LdknnIndex.NeighbourDistances"/> and <see cref="LdknnIndex.DensityFromNeighbours"/>, so the same
    /// densities bit for bit), keeping the neighbour distances the densities are the means of.
    /// </summary>
    public static (LdknnIndex Index, BankNeighbours Neighbours) Fit(Tensor bank, LdknnOptions options,
        IProgress<double>? progress = null)
    {
        options.Validate();
        if (options.CoresetRatio < 1.0)
            throw new NotSupportedException(
                $"neighbour tables need the whole bank as core set (coreset ratio {options.CoresetRatio}): a coreset " +
                "is a random greedy selection, an appended bank cannot reproduce it");
        long n = bank.shape[0];
        if (n < options.K + 1)
            throw new ArgumentException(
                $"the memory bank has {n} patches; K = {options.K} needs at least {options.K + 1}");
        var coreIdx = Enumerable.Range(0, checked((int)n)).Select(i => (long)i).ToArray();
        Tensor distances;
        float[] density;
        // The bank prepared for the density search is the index's core bank too (the core set is the bank): prepared
        // once, over the index's own copy of the rows.
        KnnSearch full;
        using (var scope = NewDisposeScope())
        {
            full = KnnSearch.Create(KnnBank.Create(bank.clone()), options.Search, ownsBank: true, seed: options.Seed);
            try
            {
                distances = LdknnIndex.NeighbourDistances(full, full.Bank.Vectors, tensor(coreIdx), options.K, progress)
                    .MoveToOuterDisposeScope();
                density = LdknnIndex.DensityFromNeighbours(distances);
            }
            catch
            {
                full.Dispose();
                throw;
            }
        }
        var neighbours = new BankNeighbours(distances);
        distances.Dispose();
        return (new LdknnIndex(full, density, coreIdx, options), neighbours);
    }

    public void Dispose() => Distances.Dispose();
}
