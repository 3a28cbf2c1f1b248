namespace Reb.Core.Calibration;

/// <summary>
/// The training images split into folds for out-of-fold scoring: each fold is a set of image indices (ascending) left
/// out of the bank together. Grouped folds (<see cref="ImageGrouping"/>) put near-duplicate images in one fold and
/// every other image alone; contiguous folds (<see cref="ContiguousFolds"/>) are blocks in file order.
/// </summary>
public sealed class FoldGroups
{
    private readonly int[][] _folds;
    private readonly int[] _foldOf;

    /// <param name="foldOfImage">for each image its fold number; folds are numbered 0.. in order of their first
    /// image.</param>
    public FoldGroups(IReadOnlyList<int> foldOfImage)
    {
        if (foldOfImage.Count < 2)
            throw new ArgumentException($"{foldOfImage.Count} images: out-of-fold scoring needs at least 2");
        // Renumber by first appearance so that equal groupings are equal arrays whatever labels the caller used.
        var renumber = new Dictionary<int, int>();
        _foldOf = new int[foldOfImage.Count];
        for (int i = 0; i < _foldOf.Length; i++)
        {
            if (!renumber.TryGetValue(foldOfImage[i], out int f)) renumber[foldOfImage[i]] = f = renumber.Count;
            _foldOf[i] = f;
        }
        if (renumber.Count < 2)
            throw new ArgumentException("all images in one fold: nothing would be left in the bank");
        var members = Enumerable.Range(0, renumber.Count).Select(_ => new List<int>()).ToArray();
        for (int i = 0; i < _foldOf.Length; i++) members[_foldOf[i]].Add(i);
        _folds = members.Select(m => m.ToArray()).ToArray();
    }

    public int Count => _folds.Length;
    public int Images => _foldOf.Length;

    /// <summary>For each image its fold (what model.json records).</summary>
    public IReadOnlyList<int> FoldOfImage => _foldOf;

    public int FoldOf(int image) => _foldOf[image];

    /// <summary>The images of fold f, ascending.</summary>
    public IReadOnlyList<int> Members(int f) => _folds[f];

    /// <summary>True when fold f is a run of consecutive images (one bank range can exclude it).</summary>
    public bool IsContiguous(int f) => _folds[f][^1] - _folds[f][0] + 1 == _folds[f].Length;

    /// <summary>Folds of more than one image.</summary>
    public int GroupedFolds => _folds.Count(f => f.Length > 1);

    public int LargestFold => _folds.Max(f => f.Length);

    public static FoldGroups Singletons(int images) => new(Enumerable.Range(0, images).ToArray());

    public static FoldGroups From(ContiguousFolds folds) =>
        new(Enumerable.Range(0, folds.Images).Select(folds.FoldOf).ToArray());
}
