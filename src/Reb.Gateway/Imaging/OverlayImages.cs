using Reb.Core.Calibration;
using Reb.Abstractions.Contracts;
using Reb.Core.Models;
using Reb.Core.Imaging;
using Reb.Core.Pipeline;

namespace Reb.Gateway.Imaging;

/// <summary>
/// Overlay PNGs of an inspection, drawn by the single-process renderer at the model's input size (what the model saw;
/// keeps each kept overlay small) plus a thumbnail for lists.
/// </summary>
public static class OverlayImages
{
    public const int ThumbnailWidth = 96;

    public static (byte[] Overlay, byte[] Thumbnail) Render(RgbImage original, ScoreResult result,
        ModelVersionInfo model,
        double threshold, bool reject, string name)
    {
        var atModelSize = ImageScaler.Resize(original, result.MapWidth, result.MapHeight);
        var scored = new ScoredImage(name, result.Score, reject, result.Map, result.MapSize)
        {
            MapHeight = result.MapHeight,
            MapWidth = result.MapWidth
        };
        var info = new ThresholdInfo(threshold, model.ThresholdMethod, model.ThresholdQuantile, model.ThresholdMargin,
            model.GoodMedian, []);
        var overlay = OverlayRenderer.Render(scored, atModelSize, info);
        return (overlay, ImageScaler.Thumbnail(overlay, ThumbnailWidth));
    }
}
