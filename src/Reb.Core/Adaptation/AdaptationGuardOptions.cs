using Reb.Core.DefectMaker;
using Reb.Core.Ldknn;

namespace Reb.Core.Adaptation;

/// <summary>
/// How <see cref="AdaptationGuard"/> decides whether an adapted backbone replaces ImageNet's. The numbers were fixed
/// before any ablation was run and are never tuned on test labels: the guard sees only good training images.
/// </summary>
public sealed record AdaptationGuardOptions
{
    /// <summary>Good training images held out from adaptation: each is scored clean and with one synthetic
    /// defect.</summary>
    public int ValidationImages { get; init; } = 12;

    /// <summary>Most of the other training images put into the guard's own small memory bank.</summary>
    public int BankImages { get; init; } = 32;

    /// <summary>
    /// The adapted backbone is kept only when its synthetic-defect image AUROC beats ImageNet's by at least this much.
    /// A margin, not zero, because the validation defects come from the same generator the adaptation trained on, so
    /// the comparison is biased toward the adapted backbone.
    /// </summary>
    public double MinGain { get; init; } = 0.02;

    public int Seed { get; init; }
    public int ImageSize { get; init; } = 256;
    public int BatchSize { get; init; } = 8;
    public LdknnOptions Ldknn { get; init; } = new();
    public DefectMakerOptions DefectMaker { get; init; } = new();
}
