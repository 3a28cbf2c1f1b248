using TorchSharp;
using static TorchSharp.torch;

namespace Reb.Core.DefectMaker;

/// <summary>
/// The augmentation section 5 applies before the classifier: colour jitter 0.1 and a random dihedral transform.
/// By default the dihedral is drawn from the seven that section 5 lists; <see cref="DihedralTransforms.All"/> adds
/// the vertical flip.
/// </summary>
public sealed class Augmentation(double jitter = ColorJitter.ReferenceStrength,
    IReadOnlyList<Dihedral>? dihedrals = null)
{
    public double Jitter { get; } = jitter;
    public IReadOnlyList<Dihedral> Dihedrals { get; } = dihedrals is { Count: > 0 } ? dihedrals
        : DihedralTransforms.Section5;

    /// <summary>Augments one image [3,H,W] (0..255). Returns the new image and the transform used, so a mask can follow
    /// it.</summary>
    public (Tensor Image, Dihedral Transform) Apply(Tensor image, Random rng)
    {
        using var scope = NewDisposeScope();
        var jittered = Jitter > 0 ? ColorJitter.Apply(image, rng, Jitter) : image;
        var op = rng.Choice(Dihedrals);
        var result = op.Apply(jittered).contiguous();
        return (result.MoveToOuterDisposeScope(), op);
    }
}
