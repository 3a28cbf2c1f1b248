using TorchSharp;
using static TorchSharp.torch;

namespace Reb.Core.Search;

/// <summary>
/// One screening pass of a block of queries over the whole bank, tile by tile: a GEMM writes -2 qh.bh into a reused
/// [rows, BankChunk] float32 tile (libtorch's bfloat16 mm or MKL gemm_bf16bf16f32 for the bfloat16 screen, MKL sgemm
/// for the float32 one) and <see cref="CandidateScan"/> turns it into candidates. Memory: that tile plus the candidate
/// lists, whatever the bank size.
/// </summary>
internal static unsafe class ScreenPass
{
    /// <summary>Scans the whole bank for the queries' screen copies <paramref name="low"/> ([rows, d], the bank's
    /// screen dtype).</summary>
    public static void Run(KnnBank bank, Tensor low, CandidateScan scan, KnnOptions options)
    {
        int bankChunk = options.BankChunk;
        // libtorch's bfloat16 output x = bf16(acc) has |x - acc| <= 2^-8 |acc| <= u' |x|, u' = 2^-8 / (1 - 2^-8): the
        // scan reads that tile in place and adds u' |-2x| per entry to the bound (CandidateScan.ScanBf16).
        bool libTorchBf16 = Bf16GemmChoice.FlatUsesLibTorch(bank, options);
        long rows = low.shape[0];
        int n = (int)bank.Count;
        int tileWidth = Math.Min(bankChunk, n);
        // A screen on another device (CUDA), or the device-generic path asked for on the CPU: libtorch's float32 mm
        // where the screen lives, each tile copied into the CPU tile the scan reads (see KnnOptions.ScreenDevice).
        bool deviceGemm = !bank.ScreensInBf16
            && (bank.Screen.device_type != DeviceType.CPU || options.Float32Gemm == Float32Gemm.LibTorch);
        using var lowOnDevice = deviceGemm ? low.to(bank.Screen.device) : null;
        // the libtorch GEMM allocates its own
        using var tile = libTorchBf16 ? null : empty(rows, tileWidth, ScalarType.Float32);
        float* tp = tile is null ? null : (float*)NativeGemm.DataPointer(tile);
        for (int start = 0; start < n; start += tileWidth)
        {
            using var scope = NewDisposeScope();
            int width = Math.Min(tileWidth, n - start);
            var slice = bank.Screen.narrow(0, start, width);
            if (libTorchBf16)
            {
                var dots = low.mm(slice.t()).contiguous();
                scan.ScanBf16((ushort*)NativeGemm.DataPointer(dots), dots.stride(0), start, width);
                continue;
            }
            var view = tile!.narrow(1, 0, width);
            if (deviceGemm)
                view.copy_(lowOnDevice!.mm(slice.t()).mul_(-2f).cpu());
            else if (NativeGemm.IsAvailable)
                NativeGemm.GemmABt(low, slice, view, -2f, 0f);
            else
                // float32 (a bfloat16 bank without MKL takes the libtorch branch)
                view.copy_(low.mm(slice.t()).mul_(-2f));
            scan.Scan(tp, tile.stride(0), start, width);
        }
    }
}
