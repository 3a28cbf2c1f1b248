namespace Reb.Core.DefectMaker;

/// <summary>Where defect boxes (and cut-paste source crops) are centred.</summary>
public enum Placement
{
    /// <summary>On a random pixel of the image's estimated foreground (spec section 4; replaces the reference's
    /// saliency network).</summary>
    Foreground,

    /// <summary>On a random pixel of the whole image (the foreground estimate is switched off).</summary>
    Uniform,
}
