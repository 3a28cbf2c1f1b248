using TorchSharp;
using static TorchSharp.torch;

namespace Reb.Core.Ldknn;

/// <summary>Post-processing of patch-score maps (method spec section 3): image score and pixel anomaly map.</summary>
public static class AnomalyMaps
{
    /// <summary>
    /// One image's score and pixel map from its patches' nearest cores, as the sharded cluster merges them (distance
    /// and that core's density per patch, in grid order): the single-process rule d2 - lambda * density, then
    /// <see cref="Assemble"/>. The map comes back at mapHeight x mapWidth, the image's resized size.
    /// </summary>
    public static (float Score, float[] Map) ScoreFromNearest(float[] distance, float[] density, double lambda,
        Features.PatchGrid grid,
        int mapHeight, int mapWidth)
    {
        if (distance.Length != density.Length || distance.Length != grid.Count)
            throw new ArgumentException(
                $"{distance.Length} distances and {density.Length} densities for a {grid} grid");
        using var scope = NewDisposeScope();
        // density[] is already per patch, so "nearest index" of patch i is i: the same arithmetic as ScorePatches.
        var scores = LdknnIndex.PatchScores(tensor(distance), arange(distance.Length, dtype: ScalarType.Int64),
            tensor(density), lambda);
        var (imageScores, maps) = Assemble(scores.reshape(1, grid.Height, grid.Width), mapHeight, mapWidth);
        return (imageScores[0], maps[0]);
    }

    /// <summary>
    /// Image scores and pixel maps from patch-score maps [N,H,W] (<see cref="ImageScores"/>, <see cref="PixelMaps"/>):
    /// the one place both the single process and the cluster's scoring turn patch scores into what an inspection
    /// reports.
    /// </summary>
    public static (float[] Scores, float[][] Maps) Assemble(Tensor patchMaps, int mapHeight, int mapWidth)
    {
        using var scope = NewDisposeScope();
        var scores = ImageScores(patchMaps);
        var pixel = PixelMaps(patchMaps, mapHeight, mapWidth).contiguous();
        var maps = new float[scores.Length][];
        for (int i = 0; i < maps.Length; i++) maps[i] = pixel[i].data<float>().ToArray();
        return (scores, maps);
    }

    /// <summary>
    /// Image score = max of the 3x3 / stride 3 / no padding average pool of each [H,W] patch-score map. maps: [N,H,W].
    /// Rows or
    /// columns left over at the end (H or W not a multiple of 3, e.g. 32, or 40 in native-aspect mode) are dropped, as
    /// avg_pool2d does.
    /// </summary>
    public static float[] ImageScores(Tensor maps)
    {
        using var scope = NewDisposeScope();
        var pooled = nn.functional.avg_pool2d(maps.unsqueeze(1), kernel_size: 3, stride: 3);
        return pooled.flatten(1).max(1).values.data<float>().ToArray();
    }

    /// <summary>
    /// Pixel maps at size x size: bilinear upsampling (align_corners=false) then a Gaussian blur, sigma 4, kernel 33,
    /// reflect border. maps: [N,H,W] -> [N,size,size].
    /// </summary>
    public static Tensor PixelMaps(Tensor maps, int size = 256, double sigma = 4.0)
        => PixelMaps(maps, size, size, sigma);

    /// <summary>Pixel maps at height x width (native-aspect mode: the image's resized size): [N,H,W] ->
    /// [N,height,width].</summary>
    public static Tensor PixelMaps(Tensor maps, int height, int width, double sigma = 4.0)
    {
        using var scope = NewDisposeScope();
        var up = nn.functional.interpolate(maps.unsqueeze(1), new long[] { height, width },
            mode: InterpolationMode.Bilinear, align_corners: false);
        var blurred = GaussianBlur(up, sigma);
        return blurred.squeeze(1).MoveToOuterDisposeScope();
    }

    /// <summary>Separable Gaussian blur with kernel size 2*round(4*sigma)+1 (33 for sigma 4), reflect padding; x:
    /// [N,1,H,W].</summary>
    public static Tensor GaussianBlur(Tensor x, double sigma)
    {
        using var scope = NewDisposeScope();
        int radius = (int)Math.Round(4 * sigma);
        int k = 2 * radius + 1;
        var w = new float[k];
        double sum = 0;
        for (int i = 0; i < k; i++) sum += w[i] = (float)Math.Exp(-0.5 * Math.Pow((i - radius) / sigma, 2));
        for (int i = 0; i < k; i++) w[i] = (float)(w[i] / sum);
        var kernel = tensor(w, device: x.device);
        var padded = nn.functional.pad(x, new long[] { radius, radius, radius, radius }, PaddingModes.Reflect);
        var horizontal = nn.functional.conv2d(padded, kernel.reshape(1, 1, 1, k));
        var both = nn.functional.conv2d(horizontal, kernel.reshape(1, 1, k, 1));
        return both.MoveToOuterDisposeScope();
    }

    /// <summary>A [h,w] map resized (bilinear) to an image's own width and height, for overlays.</summary>
    public static float[] ToImageSize(Tensor map, int width, int height)
    {
        using var scope = NewDisposeScope();
        var r = nn.functional.interpolate(map.reshape(1, 1, map.shape[^2], map.shape[^1]), new long[] { height, width },
            mode: InterpolationMode.Bilinear, align_corners: false);
        return r.contiguous().data<float>().ToArray();
    }
}
