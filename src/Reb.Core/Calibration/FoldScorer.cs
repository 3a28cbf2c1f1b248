using Reb.Core.Features;
using Reb.Core.Ldknn;
using static TorchSharp.torch;

namespace Reb.Core.Calibration;

/// <summary>
/// Scores patches with one fold's bank rows out of the core set, through the index's kNN kernel. A fold of
/// consecutive images is one excluded range per query (<see cref="LdknnIndex.ScorePatchesExcludingBankRange"/>: no
/// copy, and n single-image folds cost one bank search in total). A grouped fold whose images are not consecutive gets
/// an index of the core rows outside it (copied once per fold, kept while that fold is scored); its queries are
/// searched once against it, so the total search cost stays that of one bank search.
/// </summary>
public sealed class FoldScorer : IDisposable
{
    private readonly LdknnIndex _index;
    private readonly BankLayout _layout;
    private readonly FoldGroups _folds;
    private int _reducedFold = -1;
    private LdknnIndex? _reduced;

    public FoldScorer(LdknnIndex index, BankLayout layout, FoldGroups folds)
    {
        if (layout.Images != folds.Images)
            throw new ArgumentException($"the layout has {layout.Images} images, the folds cover {folds.Images}",
                nameof(layout));
        _index = index;
        _layout = layout;
        _folds = folds;
    }

    /// <summary>Patch scores [q] of queries [q, d] against the core set without fold f's images.</summary>
    public Tensor ScorePatches(int fold, Tensor queries)
    {
        var members = _folds.Members(fold);
        if (_folds.IsContiguous(fold))
            return _index.ScorePatchesExcludingBankRange(queries, _layout.Start(members[0]),
                _layout.Start(members[^1] + 1));
        if (_reducedFold != fold)
        {
            _reduced?.Dispose();
            _reduced = null;
            _reduced = IndexWithout(members);
            _reducedFold = fold;
        }
        return _reduced!.ScorePatches(queries);
    }

    private LdknnIndex IndexWithout(IReadOnlyList<int> images)
    {
        var bankIndex = _index.CoreBankIndex;
        var keep = new List<long>(bankIndex.Length);
        var ranges = images.Select(i => (Start: _layout.Start(i), End: _layout.Start(i + 1))).ToArray();
        for (int c = 0; c < bankIndex.Length; c++)
        {
            long b = bankIndex[c];
            bool excluded = false;
            foreach (var (s, e) in ranges) if (b >= s && b < e) { excluded = true; break; }
            if (!excluded) keep.Add(c);
        }
        if (keep.Count == 0) throw new InvalidOperationException("no core features left outside the excluded fold");
        Tensor features;
        using (var scope = NewDisposeScope())
            features = _index.CoreFeatures.index_select(0, tensor(keep.ToArray())).MoveToOuterDisposeScope();
        var density = keep.Select(c => _index.Density[c]).ToArray();
        var kept = keep.Select(c => bankIndex[c]).ToArray();
        // The index owns (and disposes) the copied features. Flat: it serves one fold's few thousand queries, which do
        // not pay back building cells (k-means and a probe) for it; the answer is the same either way.
        return new LdknnIndex(features, density, kept, _index.Options with { Search = Search.SearchMode.Flat });
    }

    public void Dispose()
    {
        _reduced?.Dispose();
        _reduced = null;
    }
}
