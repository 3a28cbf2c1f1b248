namespace Reb.Core.Metrics;

/// <summary>
/// Exact ROC AUC over many images, accumulated one image at a time (same value as sklearn's roc_auc_score on
/// the concatenation of every map and mask). Only the scores are kept, as 4-byte keys split by class, so
/// memory is 4 bytes per pixel and no per-pixel objects exist. Not thread-safe.
/// </summary>
public sealed class PixelAuroc
{
    private readonly KeyBlocks _negatives;
    private readonly KeyBlocks _positives;
    private int _images;

    /// <summary>Creates an empty accumulator.</summary>
    public PixelAuroc() : this(KeyBlocks.DefaultBlockSize) { }

    internal PixelAuroc(int blockSize)
    {
        _negatives = new KeyBlocks(blockSize);
        _positives = new KeyBlocks(blockSize);
    }

    /// <summary>Pixels added so far with mask 0 (normal).</summary>
    public long NormalCount => _negatives.Count;

    /// <summary>Pixels added so far with mask set (defect).</summary>
    public long DefectCount => _positives.Count;

    /// <summary>Adds one image: <paramref name="map"/> scores and <paramref name="mask"/> (true = defect), same length
    /// (h*w).</summary>
    public void Add(ReadOnlySpan<float> map, ReadOnlySpan<bool> mask)
    {
        CheckLengths(map.Length, mask.Length);
        CheckNoNaN(map);
        for (int i = 0; i < map.Length; i++) (mask[i] ? _positives : _negatives).Add(SortableFloat.ToKey(map[i]));
        _images++;
    }

    /// <summary>Adds one image with a byte mask (any non-zero value = defect, as in a 0/255 mask file).</summary>
    public void Add(ReadOnlySpan<float> map, ReadOnlySpan<byte> mask)
    {
        CheckLengths(map.Length, mask.Length);
        CheckNoNaN(map);
        for (int i = 0; i < map.Length; i++) (mask[i] != 0 ? _positives : _negatives).Add(SortableFloat.ToKey(map[i]));
        _images++;
    }

    /// <summary>The exact AUROC of everything added so far. May be called again after more images are added.</summary>
    /// <exception cref="InvalidOperationException">Only one class (or nothing) was added.</exception>
    public double Compute()
    {
        Auroc.RequireBothClasses(_negatives.Count, _positives.Count, "pixels");
        // Sorting in place keeps the stored multiset; a later Add simply appends unsorted keys, re-sorted next time.
        _negatives.SortEachBlock();
        _positives.SortEachBlock();
        return RankCounting.Auroc(_negatives, _positives);
    }

    private void CheckLengths(int mapLength, int maskLength)
    {
        if (mapLength != maskLength)
            throw new ArgumentException($"image #{_images}: map has {mapLength} values but mask has {maskLength}; " +
                "they must match pixel for pixel");
    }

    private void CheckNoNaN(ReadOnlySpan<float> map)
    {
        int at = Auroc.IndexOfNaN(map);
        if (at >= 0) throw new ArgumentException($"image #{_images}: map[{at}] is NaN; scores must be numbers");
    }
}
