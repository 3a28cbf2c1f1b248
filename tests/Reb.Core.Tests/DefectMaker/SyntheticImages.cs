using TorchSharp;
using static TorchSharp.torch;

namespace Reb.Core.Tests.DefectMaker;

/// <summary>Small synthetic pictures for the DefectMaker tests, float [3,S,S] 0..255 with whole values.</summary>
internal static class SyntheticImages
{
    /// <summary>A bright square (side <paramref name="side"/>, top-left at <paramref name="at"/>) on a dark, slightly
    /// noisy background.</summary>
    public static Tensor BrightSquare(int size, int at, int side, int seed)
    {
        var g = new Generator((ulong)seed);
        var img = full(3, size, size, 30f).add(rand(3, size, size, generator: g).mul(6)).round();
        img.narrow(1, at, side).narrow(2, at, side).fill_(210);
        return img;
    }

    /// <summary>A texture: independent uniform grey levels per pixel and channel, nothing stands out from the
    /// border.</summary>
    public static Tensor Texture(int size, int seed)
    {
        var g = new Generator((ulong)seed);
        return rand(3, size, size, generator: g).mul(255).round();
    }

    /// <summary>A smooth colourful picture (bicubic-upsampled coarse noise), so cut-paste and jitter have colour to
    /// work on.</summary>
    public static Tensor Smooth(int size, int seed)
    {
        var g = new Generator((ulong)seed);
        var coarse = rand(1, 3, 8, 8, generator: g).mul(255);
        return nn.functional.interpolate(coarse, [size, size], mode: InterpolationMode.Bicubic, align_corners: false)
            .squeeze(0).round().clamp(0, 255);
    }
}
