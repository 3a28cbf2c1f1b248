using TorchSharp;
using static TorchSharp.torch;

namespace Reb.Core.DefectMaker;

/// <summary>
/// torchvision's ColorJitter(b, c, s, h) on a float RGB tensor [3,H,W] in 0..255: the four adjustments in a random
/// order, factors brightness/contrast/saturation ~ U(1-x, 1+x), hue shift ~ U(-h, h) of a turn. Contrast blends with
/// the mean grey level of the whole image, saturation with each pixel's grey level (ITU-R 601 weights, like
/// torchvision);
/// every step clamps to 0..255. The result is rounded to whole grey levels, as the reference's 8-bit PIL images are.
/// </summary>
public static class ColorJitter
{
    /// <summary>The reference's jitter: 0.1 for all four.</summary>
    public const double ReferenceStrength = 0.1;

    public static Tensor Apply(Tensor rgb, Random rng, double strength = ReferenceStrength) =>
        Apply(rgb, rng, strength, strength, strength, strength);

    public static Tensor Apply(Tensor rgb, Random rng, double brightness, double contrast, double saturation,
        double hue)
    {
        if (rgb.dim() != 3 || rgb.shape[0] != 3)
            throw new ArgumentException($"expected an RGB tensor [3,H,W], got [{string.Join(",", rgb.shape)}]",
                nameof(rgb));
        if (hue < 0 || hue > 0.5)
            throw new ArgumentOutOfRangeException(nameof(hue), hue, "hue jitter must be in [0, 0.5]");
        // Draw order as in torchvision: the permutation, then the four factors.
        int[] order = [0, 1, 2, 3];
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        double b = rng.Uniform(1 - brightness, 1 + brightness);
        double c = rng.Uniform(1 - contrast, 1 + contrast);
        double s = rng.Uniform(1 - saturation, 1 + saturation);
        double hf = rng.Uniform(-hue, hue);

        using var scope = NewDisposeScope();
        var x = rgb.to(ScalarType.Float32);
        foreach (int op in order)
        {
            x = op switch
            {
                0 => x.MulBy(b).ClampTo(0, 255),
                1 => Blend(x, Grey(x).mean(), c),
                2 => Blend(x, Grey(x).unsqueeze(0), s),
                _ => hf == 0 ? x : ShiftHue(x, hf),
            };
        }
        return x.round().ClampTo(0, 255).MoveToOuterDisposeScope();
    }

    private static Tensor Grey(Tensor x) => x[0].MulBy(0.2989).Plus(x[1].MulBy(0.587)).Plus(x[2].MulBy(0.114));

    private static Tensor Blend(Tensor x, Tensor other, double factor) =>
        x.MulBy(factor).Plus(other.MulBy(1 - factor)).ClampTo(0, 255);

    /// <summary>RGB -> HSV, hue += shift (mod 1 turn), -> RGB. Same result as torchvision's tensor path, written with
    /// fewer full-image operations (HSV -> RGB by the closed form c_n = V - V*S*clamp(min(k, 4-k), 0, 1),
    /// k = (n + 6H) mod 6, n = 5, 3, 1 for R, G, B).</summary>
    private static Tensor ShiftHue(Tensor x255, double shift)
    {
        var x = x255.DivBy(255);
        Tensor r = x[0], g = x[1], b = x[2];
        var maxc = x.amax([0L]);
        var chroma = maxc.sub(x.amin([0L]));
        var grey = chroma.eq(0);
        var safeChroma = where(grey, ones_like(chroma), chroma);
        var sat = chroma.div(where(maxc.eq(0), ones_like(maxc), maxc));
        // Hue in sixths of a turn: which channel is largest decides the sector (red wins ties, then green).
        var hue6 = where(maxc.eq(r), g.sub(b).div(safeChroma),
                   where(maxc.eq(g), b.sub(r).div(safeChroma).AddBy(2), r.sub(g).div(safeChroma).AddBy(4)));
        hue6 = where(grey, zeros_like(hue6), hue6).AddBy(6 * shift).RemainderBy(6);
        var vs = maxc.mul(sat);
        var channels = new Tensor[3];
        double[] n = [5, 3, 1];
        for (int c = 0; c < 3; c++)
        {
            var k = hue6.AddBy(n[c]).RemainderBy(6);
            var ramp = minimum(k, k.neg().AddBy(4)).ClampTo(0, 1);
            channels[c] = maxc.sub(vs.mul(ramp));
        }
        return stack(channels).MulBy(255).ClampTo(0, 255);
    }
}
