namespace Reb.Core.DefectMaker;

/// <summary>The seven classes of the self-supervised task. The value is the class label (0 = clean).
/// Order follows the reference's list of makers: the three noise-filled shapes, then the three cut-paste
/// ones.</summary>
public enum DefectKind
{
    Clean = 0,
    RectNoise = 1,
    ScarNoise = 2,
    ClumpNoise = 3,
    RectCutPaste = 4,
    ScarCutPaste = 5,
    ClumpCutPaste = 6,
}

/// <summary>The three shape families of section 4.</summary>
public enum ShapeFamily { Rect, Scar, Clump }

/// <summary>The two fill sources of section 4.</summary>
public enum FillSource { Noise, CutPaste }

public static class DefectKinds
{
    /// <summary>The six defect kinds in label order (1..6).</summary>
    public static readonly IReadOnlyList<DefectKind> Defects =
        [DefectKind.RectNoise, DefectKind.ScarNoise, DefectKind.ClumpNoise,
         DefectKind.RectCutPaste, DefectKind.ScarCutPaste, DefectKind.ClumpCutPaste];

    /// <summary>Number of classes of the task, clean included.</summary>
    public const int ClassCount = 7;

    public static ShapeFamily Shape(this DefectKind kind) => kind switch
    {
        DefectKind.RectNoise or DefectKind.RectCutPaste => ShapeFamily.Rect,
        DefectKind.ScarNoise or DefectKind.ScarCutPaste => ShapeFamily.Scar,
        DefectKind.ClumpNoise or DefectKind.ClumpCutPaste => ShapeFamily.Clump,
        _ => throw new ArgumentException($"{kind} has no shape", nameof(kind)),
    };

    public static FillSource Fill(this DefectKind kind) => kind switch
    {
        DefectKind.RectNoise or DefectKind.ScarNoise or DefectKind.ClumpNoise => FillSource.Noise,
        DefectKind.RectCutPaste or DefectKind.ScarCutPaste or DefectKind.ClumpCutPaste => FillSource.CutPaste,
        _ => throw new ArgumentException($"{kind} has no fill", nameof(kind)),
    };

    /// <summary>Short column header for contact sheets.</summary>
    public static string ShortName(this DefectKind kind) => kind switch
    {
        DefectKind.Clean => "clean",
        DefectKind.RectNoise => "rect/noise",
        DefectKind.ScarNoise => "scar/noise",
        DefectKind.ClumpNoise => "clump/noise",
        DefectKind.RectCutPaste => "rect/cut",
        DefectKind.ScarCutPaste => "scar/cut",
        DefectKind.ClumpCutPaste => "clump/cut",
        _ => kind.ToString(),
    };
}
