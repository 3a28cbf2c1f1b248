using Reb.Core.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace Reb.Core.DefectMaker;

/// <summary>
/// The noise fill of section 4: a coarse grid of random RGB values, each channel of each cell uniform in
/// [mean - fluct, mean + fluct], upsampled bicubically (PIL-like) to the box. mean in {50..190 step 10}, fluct in
/// {0..45 step 5} (0 = a flat patch), cell scale in {1,2,4}, cell aspect in {1/4,1/2,1,2,4}.
/// The grid is (w/scale*aspect) x (h/scale/aspect) cells; the reference derived both from the width, a slip that
/// only matters for non-square boxes, so this uses each side's own length.
/// </summary>
public static class NoiseFill
{
    public static readonly IReadOnlyList<int> Means = Enumerable.Range(0, 15).Select(i => 50 + 10 * i).ToArray();
    public static readonly IReadOnlyList<int> Fluctuations = Enumerable.Range(0, 10).Select(i => 5 * i).ToArray();
    public static readonly IReadOnlyList<int> CellScales = [1, 2, 4];
    public static readonly IReadOnlyList<double> CellAspects = [0.25, 0.5, 1, 2, 4];

    /// <summary>A fill of <paramref name="width"/> x <paramref name="height"/>: float [3,height,width], whole values
    /// 0..255.</summary>
    public static Tensor Make(Random rng, int width, int height)
    {
        int mean = rng.Choice(Means), fluct = rng.Choice(Fluctuations), scale = rng.Choice(CellScales);
        double aspect = rng.Choice(CellAspects);
        int low = Math.Max(mean - fluct, 0), highExclusive = Math.Min(mean + fluct + 1, 255);
        int gw = Math.Max((int)(width / (double)scale * aspect), 1);
        int gh = Math.Max((int)(height / (double)scale / aspect), 1);
        var values = new float[3 * gh * gw];
        for (int i = 0; i < values.Length; i++) values[i] = rng.Next(low, highExclusive);
        using var scope = NewDisposeScope();
        var grid = tensor(values).reshape(1, 3, gh, gw);
        return ImageResizer.ResizeTensor(grid, height, width).squeeze(0).MoveToOuterDisposeScope();
    }
}
