using Reb.Core.Features;
using static TorchSharp.torch;

namespace Reb.Core.Calibration;

/// <summary>How the training images were grouped into folds, as model.json records it.</summary>
/// <param name="Method">The rule in words.</param>
/// <param name="FoldOfImage">Each training image's fold, in bank order.</param>
/// <param name="TypicalDistance">Median image-to-image distance of the line.</param>
/// <param name="Cutoff">Images closer than this are near-duplicates (one fold).</param>
/// <param name="NearestImageDistance">Each image's distance to its nearest other image.</param>
public sealed record FoldGroupingRecord(string Method, int[] FoldOfImage, double TypicalDistance, double Cutoff,
    int Folds, int GroupedFolds, int LargestFold, float[] NearestImageDistance);

/// <summary>
/// Folds that follow the data, not the file order. Each image is summarised by its patch features average-pooled to a
/// coarse grid (at most <see cref="PoolCells"/> x <see cref="PoolCells"/> cells, so a small shift or noise barely
/// moves it while another part's layout does); two images whose summaries lie closer than
/// <see cref="CalibrationOptions.TwinRatio"/> x the line's median image-to-image distance are near-duplicates (frames
/// of one part), joined transitively (union-find). Each group is one fold; an image without a twin is a fold of its
/// own. The median over all pairs, not over nearest neighbours, is the yardstick: on a line where every image has a
/// twin the nearest-neighbour median would be the twin distance itself. Deterministic: no sampling.
/// </summary>
public static class ImageGrouping
{
    public const int PoolCells = 4;

    public static (FoldGroups Folds, FoldGroupingRecord Record) Group(Tensor bank, BankLayout layout,
        CalibrationOptions options)
    {
        layout.CheckRows(bank.shape[0]);
        int n = layout.Images;
        if (n < 2) throw new ArgumentException($"{n} images: out-of-fold scoring needs at least 2", nameof(layout));
        var d = ImageDistances(bank, layout);
        var pairs = new List<double>(n * (n - 1) / 2);
        var nearest = new float[n];
        for (int i = 0; i < n; i++)
        {
            nearest[i] = float.PositiveInfinity;
            for (int j = 0; j < n; j++)
                if (j != i) nearest[i] = Math.Min(nearest[i], d[i, j]);
            for (int j = i + 1; j < n; j++) pairs.Add(d[i, j]);
        }
        pairs.Sort();
        int mid = pairs.Count / 2;
        double typical = pairs.Count % 2 == 1 ? pairs[mid] : 0.5 * (pairs[mid - 1] + pairs[mid]);
        double cutoff = options.TwinRatio * typical;

        var parent = Enumerable.Range(0, n).ToArray();
        int Find(int x) { while (parent[x] != x) x = parent[x] = parent[parent[x]]; return x; }
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
                if (d[i, j] < cutoff)
                {
                    int a = Find(i), b = Find(j);
                    if (a != b) parent[Math.Max(a, b)] = Math.Min(a, b);
                }
        var roots = Enumerable.Range(0, n).Select(Find).ToArray();
        FoldGroups folds;
        string method;
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        if (roots.Distinct().Count() >= 2)
        {
            folds = new FoldGroups(roots);
            method = string.Format(inv,
                "grouped folds: images whose {0}x{0}-pooled patch features lie closer than {1} x the median image " +
                "distance " +
                "({2:G4}) are near-duplicates and left out together; every other image is left out alone", PoolCells,
                options.TwinRatio, typical);
        }
        else
        {
            // Every image is a near-duplicate of the next: the line is one run of frames, so blocks in order are all
            // that can be left out.
            folds = FoldGroups.From(ContiguousFolds.Split(n, options.Folds));
            method = string.Format(inv,
                "all {0} images are near-duplicates of each other: {1} contiguous folds in file order",
                n, folds.Count);
        }
        var record = new FoldGroupingRecord(method, folds.FoldOfImage.ToArray(), typical, cutoff, folds.Count,
            folds.GroupedFolds, folds.LargestFold, nearest);
        return (folds, record);
    }

    /// <summary>[n, n] Euclidean distances between the images' pooled patch features.</summary>
    public static float[,] ImageDistances(Tensor bank, BankLayout layout)
    {
        using var scope = NewDisposeScope();
        int n = layout.Images;
        var pooled = new List<Tensor>(n);
        for (int i = 0; i < n; i++)
        {
            var g = layout.Grids[i];
            var grid = bank.narrow(0, layout.Start(i), g.Count).reshape(g.Height, g.Width, -1)
                .permute(2, 0, 1).unsqueeze(0);
            var cells = nn.functional.adaptive_avg_pool2d(grid.to_type(ScalarType.Float32),
                new long[] { Math.Min(PoolCells, g.Height), Math.Min(PoolCells, g.Width) });
            // Grids smaller than the pool are stretched to it, so every summary has the same length.
            if (cells.shape[2] != PoolCells || cells.shape[3] != PoolCells)
                cells = nn.functional.interpolate(cells, new long[] { PoolCells, PoolCells },
                    mode: InterpolationMode.Nearest);
            pooled.Add(cells.flatten());
        }
        var x = stack(pooled);
        var dist = cdist(x, x).contiguous().data<float>().ToArray();
        var result = new float[n, n];
        Buffer.BlockCopy(dist, 0, result, 0, n * n * sizeof(float));
        return result;
    }
}
