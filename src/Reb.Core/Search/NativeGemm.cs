using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Reb.Core.Search;

/// <summary>
/// Direct calls into the MKL that libtorch_cpu embeds and exports, and raw tensor pointers. Why: MKL's sgemm
/// called directly (no output allocation, -2 folded into alpha) ran 1.3-2x faster here than TorchSharp's
/// float32 mm. MKL's gemm_bf16bf16f32 is the bfloat16 screen: its float32 output keeps the error bound free of
/// an output-rounding term (libtorch's bfloat16 mm rounds its output to bfloat16, 2^-8 relative).
/// When the symbols are missing (another libtorch build), <see cref="IsAvailable"/> is false and callers
/// use TorchSharp operations instead.
/// </summary>
internal static unsafe class NativeGemm
{
    private const string TorchCpu = "libtorch_cpu";
    private const string TorchSharpNative = "LibTorchSharp";

    [DllImport(TorchCpu, EntryPoint = "sgemm_")]
    private static extern void Sgemm(byte* transA, byte* transB, int* m, int* n, int* k, float* alpha,
        float* a, int* lda, float* b, int* ldb, float* beta, float* c, int* ldc);

    [DllImport(TorchCpu, EntryPoint = "gemm_bf16bf16f32_")]
    private static extern void GemmBf16(byte* transA, byte* transB, int* m, int* n, int* k, float* alpha,
        ushort* a, int* lda, ushort* b, int* ldb, float* beta, float* c, int* ldc);

    // the C entry (by value); the lower-case names are Fortran (by pointer)
    [DllImport(TorchCpu, EntryPoint = "MKL_Set_Num_Threads_Local")]
    private static extern int SetThreadsLocal(int threads);

    [DllImport(TorchSharpNative, EntryPoint = "THSTensor_data")]
    private static extern IntPtr TensorData(IntPtr handle);

    private static readonly Lazy<bool> Probe = new(ProbeSymbols);

    /// <summary>True when both MKL entry points resolve and give a correct tiny product.</summary>
    public static bool IsAvailable => Probe.Value;

    /// <summary>Raw pointer to the first element of a contiguous CPU tensor.</summary>
    public static IntPtr DataPointer(Tensor t) => TensorData(t.Handle);

    /// <summary>
    /// c[i, j] = beta * c[i, j] + alpha * sum_l a[i, l] * b[j, l]  (row-major a [m, k], b [n, k], c [m, ldc]).
    /// a and b are both float32 or both bfloat16; c is float32. All must be contiguous rows.
    /// </summary>
    public static void GemmABt(Tensor a, Tensor b, Tensor c, float alpha, float beta)
    {
        int m = checked((int)a.shape[0]), n = checked((int)b.shape[0]), k = checked((int)a.shape[1]);
        int ldc = checked((int)c.stride(0));
        if (m == 0 || n == 0) return;
        // Row-major C = A B^T is column-major C^T = B A^T: Fortran gemm('T', 'N', n, m, k, B, A).
        byte transposed = (byte)'T', plain = (byte)'N';
        int ld = k;
        var pa = DataPointer(a); var pb = DataPointer(b); var pc = DataPointer(c);
        if (a.dtype == ScalarType.BFloat16)
            GemmBf16(&transposed, &plain, &n, &m, &k, &alpha, (ushort*)pb, &ld, (ushort*)pa, &ld, &beta, (float*)pc,
                &ldc);
        else
            Sgemm(&transposed, &plain, &n, &m, &k, &alpha, (float*)pb, &ld, (float*)pa, &ld, &beta, (float*)pc, &ldc);
    }

    /// <summary>
    /// c[i, j] = alpha * sum_l a[i, l] * b[j, l] for raw row-major bfloat16 a [m, k] and b [n, k] into float32 c [m,
    /// ldc]: the cell search's many small GEMMs, with no tensor made per call.
    /// </summary>
    public static void GemmABtBf16(ushort* a, int m, ushort* b, int n, int k, float* c, int ldc, float alpha)
    {
        if (m == 0 || n == 0) return;
        byte transposed = (byte)'T', plain = (byte)'N';
        int ld = k;
        float beta = 0f;
        GemmBf16(&transposed, &plain, &n, &m, &k, &alpha, b, &ld, a, &ld, &beta, c, &ldc);
    }

    /// <summary><see cref="GemmABtBf16"/> for float32 a and b.</summary>
    public static void GemmABtF32(float* a, int m, float* b, int n, int k, float* c, int ldc, float alpha)
    {
        if (m == 0 || n == 0) return;
        byte transposed = (byte)'T', plain = (byte)'N';
        int ld = k;
        float beta = 0f;
        Sgemm(&transposed, &plain, &n, &m, &k, &alpha, b, &ld, a, &ld, &beta, c, &ldc);
    }

    /// <summary>
    /// Makes this thread's GEMMs single-threaded until the returned scope ends: MKL's (its thread-local count) and
    /// libtorch's (this thread's OpenMP count, <see cref="ThisThreadOpenMp"/>; the process default is not touched).
    /// Why: the cell search runs many small GEMMs from parallel .NET workers, and each GEMM library would start its
    /// own OpenMP team for each calling thread (2 x workers threads spinning on 2 cores: a density fit ran 60x slower,
    /// load average 36). The thread's libtorch state is initialised first: where no process default was set, libtorch
    /// gives a thread its MKL count on its first parallel call, so a pool thread first touched inside this scope kept
    /// one OpenMP thread for good, and a model later trained on it came out different (the cluster training tests
    /// published another version).
    /// </summary>
    public static SingleThreadScope SingleThreaded()
    {
        int torchThreads = get_num_threads(); // initialises this thread's count from the process default, not MKL's
        ThisThreadOpenMp.TrySet(1);
        return new(IsAvailable ? SetThreadsLocal(1) : -1, torchThreads);
    }

    public readonly struct SingleThreadScope(int previousMkl, int previousTorch) : IDisposable
    {
        public void Dispose()
        {
            if (previousMkl >= 0) SetThreadsLocal(previousMkl);
            ThisThreadOpenMp.TrySet(previousTorch);
        }
    }

    private static bool ProbeSymbols()
    {
        try
        {
            using var scope = NewDisposeScope();
            var a = tensor(new float[] { 1, 2, 3, 4, 5, 6 }).reshape(2, 3);
            var b = tensor(new float[] { 1, 0, 1, 0, 1, 0, 2, 2, 2 }).reshape(3, 3);
            var expected = a.mm(b.t());
            var c32 = zeros(2, 3); GemmABt(a, b, c32, 1f, 0f);
            var c16 = zeros(2, 3); GemmABt(a.to(ScalarType.BFloat16), b.to(ScalarType.BFloat16), c16, 1f, 0f);
            return c32.allclose(expected) && c16.allclose(expected);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return false;
        }
    }
}
