using TorchSharp;
using static TorchSharp.torch;

namespace Reb.Core.DefectMaker;

/// <summary>One defective version of a source image.</summary>
/// <param name="Image">float [3,S,S], whole values 0..255.</param>
/// <param name="Mask">float [S,S] in {0,1}: the shape, where the image may differ from the source.</param>
/// <param name="Alpha">float [S,S] in [0,1]: the blending weight actually used (0 outside the mask).</param>
public sealed record DefectResult(DefectKind Kind, Tensor Image, Tensor Mask, Tensor Alpha, DefectBox Box,
    ShapeInfo Shape) : IDisposable
{
    public void Dispose() { Image.Dispose(); Mask.Dispose(); Alpha.Dispose(); }
}

/// <summary>A source image and its six defective versions: the 7-class sample of section 4.</summary>
/// <param name="Images">float [7,3,S,S], whole values 0..255; index v has label v (0 = clean).</param>
/// <param name="Masks">float [7,S,S] in {0,1}; all zero for the clean version.</param>
/// <param name="Alphas">float [7,S,S] in [0,1]; the blend weights used.</param>
/// <param name="Kinds">The kind of each version, in label order (<see cref="DefectKind"/> value = label).</param>
/// <param name="Boxes">Defect box per version (null for the clean one).</param>
/// <param name="Shapes">Shape parameters per version (null for the clean one).</param>
public sealed record DefectSample(
    int SourceIndex, Tensor Images, Tensor Masks, Tensor Alphas,
    IReadOnlyList<DefectKind> Kinds, IReadOnlyList<DefectBox?> Boxes, IReadOnlyList<ShapeInfo?> Shapes) : IDisposable
{
    /// <summary>Class labels 0..6, one per version.</summary>
    public long[] Labels => Kinds.Select(k => (long)k).ToArray();

    public void Dispose() { Images.Dispose(); Masks.Dispose(); Alphas.Dispose(); }
}

/// <summary>A training batch: N sources x 7 versions, source-major (rows 7i..7i+6 come from source i, labels
/// 0..6).</summary> <param name="Images">float [7N,3,S,S], 0..255 (augmented if an augmentation was given).</param>
/// <param name="Labels">int64 [7N], values 0..6.</param>
/// <param name="Masks">float [7N,S,S] in {0,1} (transformed like their images), or null when not requested.</param>
public sealed record DefectBatch(Tensor Images, Tensor Labels, Tensor? Masks) : IDisposable
{
    public void Dispose() { Images.Dispose(); Labels.Dispose(); Masks?.Dispose(); }
}
