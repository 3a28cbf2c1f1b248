namespace Reb.Core.Imaging;

/// <summary>How an image is brought to the backbone's input size.</summary>
public enum ResizeMode
{
    /// <summary>The method's reference: squashed to ImageSize x ImageSize whatever its aspect.</summary>
    Square = 0,
    /// <summary>
    /// Native aspect: the short side becomes ImageSize, the long side is scaled by the same factor and rounded to the
    /// nearest multiple of 32 (never below ImageSize), so long parts keep their thin details and the fully
    /// convolutional backbone gives a longer patch grid.
    /// </summary>
    Aspect = 1,
}
