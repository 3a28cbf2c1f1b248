namespace Reb.Core.Calibration;

/// <summary>
/// Training images split into contiguous blocks in their (sorted) order. Consecutive images of a line are often frames
/// of
/// one part, so leaving out one image keeps its near-duplicates in the bank and its held-out score comes out too low;
/// leaving out a whole block removes most of them.
/// </summary>
public sealed class ContiguousFolds
{
    private readonly int[] _starts; // fold f = images [_starts[f], _starts[f + 1])

    private ContiguousFolds(int[] starts) => _starts = starts;

    public int Count => _starts.Length - 1;
    public int Images => _starts[^1];

    /// <summary>min(folds, images) blocks of (almost) equal size.</summary>
    public static ContiguousFolds Split(int images, int folds)
    {
        if (images < 2)
            throw new ArgumentException($"{images} images: out-of-fold scoring needs at least 2", nameof(images));
        if (folds < 2) throw new ArgumentOutOfRangeException(nameof(folds), folds, "at least 2 folds");
        int f = Math.Min(folds, images);
        return new ContiguousFolds(Enumerable.Range(0, f + 1).Select(i => (int)((long)i * images / f)).ToArray());
    }

    /// <summary>Blocks of <paramref name="width"/> consecutive images (the last may be shorter); width 1 =
    /// leave-one-out.</summary>
    public static ContiguousFolds Blocks(int images, int width)
    {
        if (images < 2)
            throw new ArgumentException($"{images} images: out-of-fold scoring needs at least 2", nameof(images));
        if (width < 1 || width >= images)
            throw new ArgumentOutOfRangeException(nameof(width), width, $"block width must be in [1, {images - 1}]");
        var starts = new List<int>();
        for (int s = 0; s < images; s += width) starts.Add(s);
        starts.Add(images);
        return new ContiguousFolds(starts.ToArray());
    }

    /// <summary>These folds plus one more block of <paramref name="images"/> images after them (reviewed images added
    /// to the bank).</summary>
    public ContiguousFolds WithBlock(int images)
    {
        if (images < 1)
            throw new ArgumentOutOfRangeException(nameof(images), images, "a block needs at least one image");
        return new ContiguousFolds([.. _starts, _starts[^1] + images]);
    }

    public (int Start, int End) Fold(int f) => (_starts[f], _starts[f + 1]);

    /// <summary>The fold holding image <paramref name="image"/>.</summary>
    public int FoldOf(int image)
    {
        int i = Array.BinarySearch(_starts, image);
        return i >= 0 ? Math.Min(i, Count - 1) : ~i - 1;
    }
}
