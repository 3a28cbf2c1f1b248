using System.Runtime.InteropServices;

namespace Reb.Core;

/// <summary>
/// Sets the OpenMP thread count of the calling thread only, by calling libgomp's <c>omp_set_num_threads</c> directly.
/// <para>
/// libtorch's <c>set_num_threads</c> (TorchSharp's <c>torch.set_num_threads</c>) also stores the count as the
/// process-wide default that every thread adopts on its first parallel op. Called from a helper thread, it opens a
/// window in which a thread-pool thread that starts computing keeps that count for good, and a model trained on that
/// thread comes out different: reductions in convolution and GEMM depend on the thread count (a smoke fit on 1 and
/// 2 threads publishes two versions). The DefectMaker producer therefore limits its own thread this way and never
/// touches the default.
/// </para>
/// </summary>
public static unsafe class ThisThreadOpenMp
{
    private static readonly delegate* unmanaged<int, void> SetNumThreads = Find();

    /// <summary>True where libtorch's OpenMP runtime was found (Linux builds of libtorch).</summary>
    public static bool Available => SetNumThreads != null;

    /// <summary>Sets this thread's OpenMP team size; false (nothing changed) where the runtime is not found.
    /// Initialise the thread's libtorch state first (any torch call, e.g. <c>get_num_threads</c>): libtorch applies
    /// the process default on a thread's first parallel op, which would undo an earlier call.</summary>
    public static bool TrySet(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        if (SetNumThreads == null) return false;
        SetNumThreads(threads);
        return true;
    }

    /// <summary>libtorch's own libgomp (a hashed file name beside libtorch_cpu.so), found among the libraries this
    /// process has mapped, so the call reaches the runtime libtorch's parallel loops read.</summary>
    private static delegate* unmanaged<int, void> Find()
    {
        TorchSharp.torch.get_num_threads(); // loads libtorch and, with it, its OpenMP runtime
        const string maps = "/proc/self/maps";
        if (!File.Exists(maps)) return null;
        var mapped = File.ReadLines(maps).Select(l => l.IndexOf('/') is var i and >= 0 ? l[i..] : null)
            .OfType<string>().Distinct().ToList();
        var torchDir = mapped.Where(p => Path.GetFileName(p) == "libtorch_cpu.so")
            .Select(Path.GetDirectoryName).FirstOrDefault();
        var gomp = mapped.Where(p => Path.GetFileName(p).StartsWith("libgomp", StringComparison.Ordinal)).ToList();
        // Another library may map the system's libgomp too; libtorch's is the one beside it.
        var path = gomp.FirstOrDefault(p => Path.GetDirectoryName(p) == torchDir) ?? gomp.FirstOrDefault();
        if (path is null || !NativeLibrary.TryLoad(path, out var handle)) return null;
        return NativeLibrary.TryGetExport(handle, "omp_set_num_threads", out var export)
            ? (delegate* unmanaged<int, void>)export : null;
    }
}
