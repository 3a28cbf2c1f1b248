using static TorchSharp.torch;
using Reb.Core.Backbones;
using Reb.Core.Features;

namespace Reb.Core.Adaptation;

/// <summary>
/// The adapted backbone (head discarded, eval mode, frozen) and the record of how it was made. The caller owns the
/// backbone: hand it to <see cref="CreateFeatureExtractor"/> (which then owns it) or dispose the result.
/// </summary>
public sealed class AdaptationResult(Backbone backbone, AdaptationRecord record) : IDisposable
{
    public Backbone Backbone { get; } = backbone;
    public AdaptationRecord Record { get; } = record;

    /// <summary>A feature extractor on the adapted backbone that records the adaptation in the model artefact.
    /// The extractor takes ownership of the backbone (disposing it disposes the backbone).</summary>
    public FeatureExtractor CreateFeatureExtractor(int imageSize = 256, int dim = 512, Device? device = null) =>
        new(Backbone, imageSize, dim, device) { AdaptationJson = Record.ToJson() };

    public void Dispose() => Backbone.Dispose();
}
