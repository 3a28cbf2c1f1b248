using static TorchSharp.torch;

namespace Reb.Core.Features;

/// <summary>
/// PatchCore-style aggregation of two backbone layers into one D-dim vector per patch (method spec section 2):
/// per layer a 3x3 neighbourhood unfold (c*9 values ordered channel, ky, kx), layer3 bilinearly upsampled to layer2's
/// grid, adaptive average pooling of each c*9 vector to D, then the two D-vectors stacked and pooled to D.
///
/// Every step after the unfold is linear and acts per location, and the unfold followed by a linear map over
/// (channel, ky, kx) IS a 3x3 convolution. So each layer's whole path is one fixed conv (weights = the pooling
/// matrices), and the bilinear upsampling (linear per channel) commutes with it and runs on D/2 channels instead of
/// c*9. Same numbers as the literal recipe (checked by a test against it), a fraction of the memory traffic.
/// </summary>
public sealed class PatchAggregator : IDisposable
{
    private readonly Tensor _lowWeight, _highWeight;

    /// <param name="lowChannels">channels of the finer layer (layer2: 128)</param>
    /// <param name="highChannels">channels of the coarser layer (layer3: 256)</param>
    /// <param name="dim">D, the per-layer and final feature size (512)</param>
    public PatchAggregator(int lowChannels, int highChannels, int dim = 512)
    {
        if (dim % 2 != 0) throw new ArgumentException("feature dimension must be even", nameof(dim));
        Dim = dim;
        // Final pooling of [low D | high D] (2D values) to D: output j averages concat entries covering j; with
        // exactly 2D -> D it is a pair mean, so outputs 0..D/2-1 come from the low layer and the rest from the high.
        var final = AdaptivePooling.Matrix(2 * dim, dim);
        _lowWeight = ConvWeight(lowChannels, dim, final, 0);
        _highWeight = ConvWeight(highChannels, dim, final, dim);
    }

    public int Dim { get; }

    private static Tensor ConvWeight(int channels, int dim, double[,] final, int finalOffset)
    {
        var pool = AdaptivePooling.Matrix(channels * 9, dim);                 // [D, c*9]
        int half = dim / 2;
        var sub = new double[half, dim];                                     // the rows of `final` fed by this layer
        int row0 = finalOffset == 0 ? 0 : half;
        for (int i = 0; i < half; i++)
            for (int j = 0; j < dim; j++) sub[i, j] = final[row0 + i, finalOffset + j];
        var combined = AdaptivePooling.Multiply(sub, pool);                  // [D/2, c*9]
        var flat = new float[half * channels * 9];
        for (int i = 0; i < half; i++)
            for (int j = 0; j < channels * 9; j++) flat[i * channels * 9 + j] = (float)combined[i, j];
        return tensor(flat).reshape(half, channels, 3, 3);                    // (channel, ky, kx) = unfold order
    }

    /// <summary>layer2 [N,c2,H,W] and layer3 [N,c3,H/2,W/2] -> [N*H*W, D] patch features, rows in (image, y, x)
    /// order.</summary>
    public Tensor Aggregate(Tensor low, Tensor high)
    {
        using var scope = NewDisposeScope();
        long n = low.shape[0], h = low.shape[2], w = low.shape[3];
        var lowW = _lowWeight.to(low.device);
        var highW = _highWeight.to(high.device);
        var a = nn.functional.conv2d(low, lowW, padding: new long[] { 1, 1 });
        var b = nn.functional.conv2d(high, highW, padding: new long[] { 1, 1 });
        if (b.shape[2] != h || b.shape[3] != w)
            b = nn.functional.interpolate(b, new[] { h, w }, mode: InterpolationMode.Bilinear, align_corners: false);
        var features = cat(new[] { a, b }, 1)                                 // [N, D, H, W]
            .permute(0, 2, 3, 1).reshape(n * h * w, Dim).contiguous();
        return features.MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        _lowWeight.Dispose();
        _highWeight.Dispose();
    }
}
