using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace Reb.Core.Search;

/// <summary>Figures of one <see cref="KnnBenchmark.Run"/>; GFLOP/s count 2 * queries * bank * dim per search.</summary>
public sealed record KnnBenchmarkResult(
    int Queries, long BankSize, int Dim, int K, int Threads,
    double GemmGflops,
    double Float32Gflops, double Float32MsPer1024Queries, double Float32FallbackFraction,
    double Bf16Gflops, double Bf16MsPer1024Queries, double Bf16Float32FallbackFraction, double Bf16BruteForceFraction,
    bool Bf16GemmAvailable, bool Exact, int CheckedQueries, long PeakExtraBytes)
{
    /// <summary>Best kNN rate over the float32 mm rate of the same run (the hard target is >= 0.8).</summary>
    public double Ratio => Math.Max(Float32Gflops, Bf16Gflops) / GemmGflops;

    /// <inheritdoc />
    public override string ToString() =>
        $"kNN q={Queries} bank={BankSize} d={Dim} k={K} threads={Threads}: fp32 mm {GemmGflops:F1} GFLOP/s | " +
        $"kNN Float32 {Float32Gflops:F1} GFLOP/s ({Float32MsPer1024Queries:F0} ms/1024 q, fallback {Float32FallbackFraction:P2}) | " +
        $"kNN Bf16Screened {Bf16Gflops:F1} GFLOP/s ({Bf16MsPer1024Queries:F0} ms/1024 q, fp32 fallback {Bf16Float32FallbackFraction:P2}, brute force {Bf16BruteForceFraction:P2}, bf16 screen used {Bf16GemmAvailable}) | " +
        $"ratio {Ratio:F2} | exact on {CheckedQueries} checked queries: {Exact} | peak extra memory {PeakExtraBytes / 1048576.0:F0} MiB";
}

/// <summary>Speed of the kNN kernel against plain float32 mm of the same shapes, on patch-like synthetic data.</summary>
public static class KnnBenchmark
{
    /// <summary>
    /// Times plain float32 mm, the Float32 and the Bf16Screened searches (each repeated for about
    /// <paramref name="seconds"/>), and checks both against a float64 brute force on a few queries.
    /// </summary>
    public static KnnBenchmarkResult Run(int queries, long bankSize, int dim, int k, int seconds = 10,
        KnnOptions? options = null, int seed = 1, int checkQueries = 32)
    {
        options ??= KnnOptions.Default;
        using var bankVectors = KnnSyntheticData.PatchLike(bankSize, dim, seed);
        using var queryVectors = KnnSyntheticData.PatchLike(queries, dim, seed, sampleSeed: seed + 7);
        double flops = 2.0 * queries * bankSize * dim;

        void Gemm()
        {
            for (long start = 0; start < bankSize; start += options.BankChunk)
            {
                using var scope = NewDisposeScope();
                queryVectors.mm(bankVectors.narrow(0, start, Math.Min(options.BankChunk, bankSize - start)).t());
            }
        }

        using var bank = KnnBank.Create(bankVectors, options with { Precision = KnnPrecision.Bf16Screened });
        var f32Options = options with { Precision = KnnPrecision.Float32 };
        var bf16Options = options with { Precision = KnnPrecision.Bf16Screened };
        var f32Stats = new KnnSearchStats();
        var bf16Stats = new KnnSearchStats();
        long baseline = ResidentBytes();
        using var sampler = new ResidentSampler();
        // Interleaved rounds, best time of each: the machine is shared, so the minimum is the fair figure
        // and the three rates meet the same conditions.
        var best = Interleaved(seconds, Gemm,
            () => { using var r = KnnKernel.Search(bank, queryVectors, k, null, f32Options, null, f32Stats); },
            () => { using var r = KnnKernel.Search(bank, queryVectors, k, null, bf16Options, null, bf16Stats); });
        long peak = sampler.Peak - baseline;
        double gemmSeconds = best[0], f32Seconds = best[1], bf16Seconds = best[2];

        int check = Math.Min(checkQueries, queries);
        bool exact;
        using (var sample = queryVectors.narrow(0, 0, check).contiguous())
        using (var a = KnnKernel.Search(bank, sample, k, null, f32Options))
        using (var b = KnnKernel.Search(bank, sample, k, null, bf16Options))
        {
            exact = true;
            for (int i = 0; i < check; i++)
            {
                using var one = sample[i];
                var (reference, _) = ExactDistances.BruteForce(bank, one, BankRange.None, k);
                var fromF32 = a.Distances[i].data<float>().ToArray();
                var fromBf16 = b.Distances[i].data<float>().ToArray();
                for (int j = 0; j < k; j++)
                    exact &= (float)reference[j] == fromF32[j] && (float)reference[j] == fromBf16[j];
            }
        }

        return new KnnBenchmarkResult(queries, bankSize, dim, k, torch.get_num_threads(),
            flops / gemmSeconds / 1e9,
            flops / f32Seconds / 1e9, f32Seconds * 1000 * 1024 / queries, Fraction(f32Stats.BruteForceFallbacks, f32Stats.Queries),
            flops / bf16Seconds / 1e9, bf16Seconds * 1000 * 1024 / queries,
            Fraction(bf16Stats.Float32Fallbacks, bf16Stats.Queries), Fraction(bf16Stats.BruteForceFallbacks, bf16Stats.Queries),
            bf16Stats.UsedBf16Gemm, exact, check, peak);
    }

    private static double Fraction(long part, long whole) => whole == 0 ? 0 : (double)part / whole;

    /// <summary>Warm-up run of each action, then rounds of all actions until the time is spent; best seconds per action.</summary>
    private static double[] Interleaved(int seconds, params Action[] actions)
    {
        var best = new double[actions.Length];
        Array.Fill(best, double.MaxValue);
        foreach (var action in actions) action();
        var total = Stopwatch.StartNew();
        do
        {
            for (int i = 0; i < actions.Length; i++)
            {
                var watch = Stopwatch.StartNew();
                actions[i]();
                best[i] = Math.Min(best[i], watch.Elapsed.TotalSeconds);
            }
        } while (total.Elapsed.TotalSeconds < seconds);
        return best;
    }

    private static long ResidentBytes()
    {
        if (!File.Exists("/proc/self/status")) return Environment.WorkingSet;
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        return Environment.WorkingSet;
    }

    /// <summary>Samples the resident set every few milliseconds on a background thread.</summary>
    private sealed class ResidentSampler : IDisposable
    {
        private readonly Thread _thread;
        private volatile bool _stop;
        public long Peak;

        public ResidentSampler()
        {
            Peak = ResidentBytes();
            _thread = new Thread(() => { while (!_stop) { Peak = Math.Max(Peak, ResidentBytes()); Thread.Sleep(5); } }) { IsBackground = true };
            _thread.Start();
        }

        public void Dispose() { _stop = true; _thread.Join(); }
    }
}
