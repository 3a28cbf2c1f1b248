using TorchSharp;
using static TorchSharp.torch;

namespace Reb.Core.Search;

/// <summary>
/// One screening pass of a block of queries over the whole bank, tile by tile: a GEMM writes -2 q.b into a
/// reused [rows, BankChunk] float32 tile, and <see cref="TopKAccumulator"/> adds ||b||^2 and keeps the kk
/// smallest per query. Memory: that tile plus [rows, kk] heaps, whatever the bank size.
/// bfloat16 screen: centred bfloat16 vectors (MKL gemm_bf16bf16f32, float32 output). float32 screen: the raw
/// float32 vectors (no centring pass; its error bound is tiny even with the raw norms).
/// </summary>
internal static class ScreenPass
{
    /// <summary>
    /// Per query the kk smallest screen values (unsorted, without the query's own norm term) and their bank indices.
    /// <paramref name="queries"/> are centred for the bfloat16 screen and raw for the float32 screen.
    /// </summary>
    public static (Tensor Values, Tensor Indices) Run(KnnBank bank, Tensor queries, BankRange[] exclude,
        int kk, KnnPrecision precision, int bankChunk)
    {
        long rows = queries.shape[0];
        long n = bank.Count;
        int tileWidth = (int)Math.Min(bankChunk, n);
        bool bf16 = precision == KnnPrecision.Bf16Screened;
        using var q = bf16 ? queries.to(ScalarType.BFloat16).contiguous() : queries.contiguous();
        using var tile = bf16 ? null : empty(rows, tileWidth, ScalarType.Float32); // the bfloat16 screen gets its tile from mm
        var bias = bf16 ? bank.CentredNormsSq : bank.RawNormsSq;
        var best = new TopKAccumulator((int)rows, kk);
        for (long start = 0; start < n; start += tileWidth)
        {
            using var scope = NewDisposeScope();
            int width = (int)Math.Min(tileWidth, n - start);
            
            if (bf16)
            {
                // libtorch's bfloat16 mm (oneDNN, AVX512-BF16) is 2-3x faster here than MKL's
                // gemm_bf16bf16f32; its bfloat16 output rounding is absorbed per entry by the scan.
                var dots = q.mm(bank.CentredBf16!.narrow(0, start, width).t());
                best.ScanBf16Dots(dots, bias.narrow(0, start, width), start, width, exclude);
                continue;
            }
            var view = tile!.narrow(1, 0, width);
            if (NativeGemm.IsAvailable)
                NativeGemm.GemmABt(q, bank.Vectors.narrow(0, start, width), view, -2f, 0f);
            else
                view.copy_(q.mm(bank.Vectors.narrow(0, start, width).t()).mul_(-2f));
            best.Scan(view, bias.narrow(0, start, width), start, width, exclude);
        }
        return best.ToTensors();
    }
}
