using TorchSharp;
using static TorchSharp.torch;

namespace Reb.Core.DefectMaker;

/// <summary>The eight symmetries of a square, named like PIL's Image.transpose methods.</summary>
public enum Dihedral
{
    Identity,
    /// <summary>90 degrees counter-clockwise (PIL ROTATE_90).</summary>
    Rotate90,
    Rotate180,
    /// <summary>270 degrees counter-clockwise = 90 clockwise (PIL ROTATE_270).</summary>
    Rotate270,
    /// <summary>Mirror about the main diagonal: out[i,j] = in[j,i].</summary>
    Transpose,
    /// <summary>Mirror about the anti-diagonal (PIL TRANSVERSE).</summary>
    Transverse,
    /// <summary>Left-right mirror (PIL FLIP_LEFT_RIGHT).</summary>
    FlipHorizontal,
    /// <summary>Top-bottom mirror (PIL FLIP_TOP_BOTTOM).</summary>
    FlipVertical,
}

public static class DihedralTransforms
{
    /// <summary>All eight.</summary>
    public static readonly IReadOnlyList<Dihedral> All = Enum.GetValues<Dihedral>();

    /// <summary>The seven that section 5 lists (identity, 3 rotations, transpose, transverse, horizontal
    /// flip).</summary>
    public static readonly IReadOnlyList<Dihedral> Section5 =
        [Dihedral.Identity, Dihedral.Rotate90, Dihedral.Rotate180, Dihedral.Rotate270,
         Dihedral.Transpose, Dihedral.Transverse, Dihedral.FlipHorizontal];

    /// <summary>Applies <paramref name="op"/> to the last two dimensions (H, W) of any tensor ([H,W], [C,H,W],
    /// [N,C,H,W]).</summary>
    public static Tensor Apply(this Dihedral op, Tensor x)
    {
        if (x.dim() < 2) throw new ArgumentException($"need at least 2 dimensions, got {x.dim()}", nameof(x));
        long hd = x.dim() - 2, wd = x.dim() - 1;
        return op switch
        {
            Dihedral.Identity => x.clone(),
            Dihedral.Rotate90 => x.rot90(1, (hd, wd)),
            Dihedral.Rotate180 => x.flip(hd, wd),
            Dihedral.Rotate270 => x.rot90(3, (hd, wd)),
            Dihedral.Transpose => x.transpose(hd, wd).contiguous(),
            Dihedral.Transverse => x.transpose(hd, wd).flip(hd, wd),
            Dihedral.FlipHorizontal => x.flip(wd),
            Dihedral.FlipVertical => x.flip(hd),
            _ => throw new ArgumentOutOfRangeException(nameof(op), op, "unknown dihedral transform"),
        };
    }

    /// <summary>The transform that undoes <paramref name="op"/>.</summary>
    public static Dihedral Inverse(this Dihedral op) => op switch
    {
        Dihedral.Rotate90 => Dihedral.Rotate270,
        Dihedral.Rotate270 => Dihedral.Rotate90,
        _ => op, // the rest are their own inverses
    };
}
