namespace Reb.Core.Adaptation;

/// <summary>What <see cref="AdaptationGuard"/> measured and decided (recorded in metrics.json and the model).</summary>
/// <param name="KeepAdapted">True: the adapted backbone is used; false: ImageNet's weights are kept.</param>
/// <param name="ImageNetAuroc">Image AUROC of ImageNet features on the synthetic validation set (clean vs
/// defect).</param> <param name="AdaptedAuroc">The same for the adapted backbone.</param>
/// <param name="ImageNetPixelAuroc">Pixel AUROC against the synthetic defect masks, ImageNet features.</param>
/// <param name="AdaptedPixelAuroc">The same for the adapted backbone.</param>
public sealed record AdaptationGuardVerdict(
    bool KeepAdapted,
    double ImageNetAuroc,
    double AdaptedAuroc,
    double ImageNetPixelAuroc,
    double AdaptedPixelAuroc,
    double MinGain,
    int BankImages,
    int ValidationImages,
    double Seconds)
{
    /// <summary>One line for people: what was compared and why the decision went that way.</summary>
    public string Explain() =>
        $"synthetic-defect validation ({ValidationImages} held-out good images, clean + one defect each, bank of " +
        $"{BankImages}): " +
        $"image AUROC ImageNet {ImageNetAuroc:0.0000} vs adapted {AdaptedAuroc:0.0000} (pixel " +
        $"{ImageNetPixelAuroc:0.0000} vs {AdaptedPixelAuroc:0.0000}); " +
        (KeepAdapted ? $"adapted backbone kept (gain >= {MinGain})"
            : $"ImageNet weights kept (adapted gain {AdaptedAuroc - ImageNetAuroc:+0.0000;-0.0000} < {MinGain})");
}
