namespace Reb.Core.Features;

/// <summary>
/// Where each training image's patches lie in a bank: rows are grouped by image in order, and image i has
/// <c>Grids[i].Count</c> rows starting at <see cref="Start"/>(i). In square mode every grid is the same; in
/// native-aspect
/// mode they differ, so every stage that cuts the bank per image (calibration folds, leave-one-out) asks this.
/// </summary>
public sealed class BankLayout
{
    private readonly long[] _starts;

    public BankLayout(IReadOnlyList<PatchGrid> grids)
    {
        Grids = grids.ToArray();
        _starts = new long[Grids.Count + 1];
        for (int i = 0; i < Grids.Count; i++) _starts[i + 1] = _starts[i] + Grids[i].Count;
    }

    /// <summary>n images of the same grid (square mode).</summary>
    public static BankLayout Uniform(int images, PatchGrid grid) => new(Enumerable.Repeat(grid, images).ToArray());

    public IReadOnlyList<PatchGrid> Grids { get; }
    public int Images => Grids.Count;
    public long Rows => _starts[^1];

    /// <summary>First bank row of image i; <c>Start(Images)</c> = <see cref="Rows"/>, so image range [a, b) is rows
    /// [Start(a), Start(b)).</summary>
    public long Start(int image) => _starts[image];

    public long RowsOf(int image) => Grids[image].Count;

    /// <summary>The layout of this bank followed by more images (a bank update appends rows at the end).</summary>
    public BankLayout Append(IEnumerable<PatchGrid> more) => new(Grids.Concat(more).ToArray());

    /// <summary>Throws unless the bank has exactly the rows this layout describes.</summary>
    public void CheckRows(long bankRows, string what = "bank")
    {
        if (bankRows != Rows)
            throw new ArgumentException(
                $"the {what} has {bankRows} rows, the layout of its {Images} images has {Rows}");
    }
}
