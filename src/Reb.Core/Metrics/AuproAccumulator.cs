using System.Runtime.InteropServices;

namespace Reb.Core.Metrics;

/// <summary>
/// Area under the per-region-overlap (PRO) curve, the MVTec AD definition, accumulated one image at a time.
/// Ground-truth regions are the 8-connected components of each mask. For a threshold t, PRO(t) is the mean over
/// ALL regions of all images of the fraction of the region's pixels scoring &gt;= t, and FPR(t) is the fraction of
/// all normal pixels (mask 0) scoring &gt;= t. The curve has one point per distinct score (ties form one step),
/// starts at (0,0), ends at (1,1), and is integrated with the trapezoid rule from FPR 0 to maxFpr, with linear
/// interpolation at maxFpr, then divided by maxFpr (so a perfect map scores 1).
/// Like MVTec's official compute_pro, every pixel is sorted once by descending score and swept.
/// Memory: 4 bytes per normal pixel, 8 per defect pixel, no per-pixel objects. Not thread-safe.
/// </summary>
public sealed class AuproAccumulator
{
    private readonly KeyBlocks _normal;
    private readonly int _blockSize;
    // Defect pixel = (score key << 32) | global region index; sorting by the high half carries the region along.
    private readonly List<ulong> _defect = new();
    private readonly List<int> _regionSizes = new();
    private int _images;

    /// <summary>Creates an empty accumulator.</summary>
    public AuproAccumulator() : this(KeyBlocks.DefaultBlockSize) { }

    internal AuproAccumulator(int blockSize)
    {
        _blockSize = blockSize;
        _normal = new KeyBlocks(blockSize);
    }

    /// <summary>Number of ground-truth regions seen so far (over all images).</summary>
    public int RegionCount => _regionSizes.Count;

    /// <summary>Number of normal pixels (mask 0) seen so far.</summary>
    public long NormalPixelCount => _normal.Count;

    /// <summary>
    /// Adds one image: a row-major anomaly map and its mask (true = defect), both width*height long. An image
    /// without any defect pixel contributes normal pixels only.
    /// </summary>
    public void Add(ReadOnlySpan<float> map, ReadOnlySpan<bool> mask, int width, int height)
    {
        if ((long)width * height != map.Length || mask.Length != map.Length)
            throw new ArgumentException(
                $"image #{_images}: map has {map.Length} values and mask {mask.Length}, but width x height = {width} " +
                $"x {height}; all three must agree");
        int nan = Auroc.IndexOfNaN(map);
        if (nan >= 0)
            throw new ArgumentException($"image #{_images}: map[{nan}] is NaN; scores must be numbers", nameof(map));

        var (labels, count) = ConnectedComponents.Label(mask, width, height, Connectivity.Eight);
        int firstRegion = _regionSizes.Count;
        var sizes = new int[count];
        foreach (int l in labels) if (l != 0) sizes[l - 1]++;
        _regionSizes.AddRange(sizes);

        for (int i = 0; i < map.Length; i++)
        {
            uint key = SortableFloat.ToKey(map[i]);
            if (labels[i] == 0) _normal.Add(key);
            else _defect.Add(((ulong)key << 32) | (uint)(firstRegion + labels[i] - 1));
        }
        _images++;
    }

    /// <summary>AUPRO of everything added so far, integrated up to <paramref name="maxFpr"/> and normalised by
    /// it.</summary>
    /// <exception cref="InvalidOperationException">No defect region or no normal pixel was added (PRO or FPR
    /// undefined).</exception>
    public double Compute(double maxFpr = 0.3)
    {
        if (!(maxFpr > 0 && maxFpr <= 1))
            throw new ArgumentOutOfRangeException(nameof(maxFpr), maxFpr,
                "the FPR integration limit must be in (0, 1]");
        if (_regionSizes.Count == 0)
            throw new InvalidOperationException($"AUPRO is undefined: none of the {_images} masks has a defect region");
        if (_normal.Count == 0)
            throw new InvalidOperationException(
                $"AUPRO is undefined: the {_images} masks have no normal pixel, so the FPR cannot be computed");

        _normal.SortEachBlock();
        var defect = CollectionsMarshal.AsSpan(_defect);
        RadixSort.SortByHigh32(defect, new ulong[defect.Length]);
        var regionWeight = new double[_regionSizes.Count];
        for (int r = 0; r < regionWeight.Length; r++) regionWeight[r] = 1.0 / _regionSizes[r];
        return Sweep(defect, regionWeight, maxFpr);
    }

    /// <summary>
    /// Exact pixel AUROC of the same pixels (defect pixels = positives), so an evaluation that needs both pixel
    /// metrics keeps the scores only once.
    /// </summary>
    public double ComputePixelAuroc()
    {
        Auroc.RequireBothClasses(_normal.Count, _defect.Count, "pixels");
        _normal.SortEachBlock();
        var positives = new KeyBlocks(_blockSize);
        foreach (ulong d in _defect) positives.Add((uint)(d >> 32));
        positives.SortEachBlock();
        return RankCounting.Auroc(_normal, positives);
    }

    /// <summary>Walks distinct scores from the highest down, integrating PRO over FPR until maxFpr is passed.</summary>
    private double Sweep(ReadOnlySpan<ulong> sortedDefect, double[] regionWeight, double maxFpr)
    {
        int runs = _normal.BlockCount;
        var heads = new int[runs]; // index of the largest unconsumed key of each ascending normal run
        for (int j = 0; j < runs; j++) heads[j] = _normal.Block(j).Length - 1;
        int defectHead = sortedDefect.Length - 1;
        double numNormal = _normal.Count, numRegions = regionWeight.Length;

        var curve = new TrapezoidToLimit(maxFpr);
        long falsePositives = 0;
        double proSum = 0;
        while (true)
        {
            // Next threshold = the largest unconsumed score over all runs.
            bool any = false;
            uint t = 0;
            for (int j = 0; j < runs; j++)
                if (heads[j] >= 0) { uint k = _normal.Block(j)[heads[j]]; if (!any || k > t) t = k; any = true; }
            if (defectHead >= 0) { uint k = (uint)(sortedDefect[defectHead] >> 32); if (!any || k > t) t = k; any =
                true; }
            if (!any) break;

            // Every pixel scoring exactly t turns positive at once (one curve point per distinct score).
            for (int j = 0; j < runs; j++)
            {
                var block = _normal.Block(j);
                int h = heads[j];
                while (h >= 0 && block[h] == t) h--;
                falsePositives += heads[j] - h;
                heads[j] = h;
            }
            while (defectHead >= 0 && (uint)(sortedDefect[defectHead] >> 32) == t)
            {
                proSum += regionWeight[(int)(uint)sortedDefect[defectHead]];
                defectHead--;
            }
            // Clip like the official code: the summed 1/size steps may overshoot 1 by rounding.
            if (curve.Add(falsePositives / numNormal, Math.Min(proSum / numRegions, 1.0))) return curve.Area / maxFpr;
        }
        curve.Add(1.0, 1.0); // the official curve always ends at (1, 1)
        return curve.Area / maxFpr;
    }
}
