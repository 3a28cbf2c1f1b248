using Reb.Core.Calibration;
using System.Globalization;
using Reb.Core.Models;
using Reb.Core.Imaging;
using Reb.Core.Ldknn;
using static TorchSharp.torch;

namespace Reb.Core.Pipeline;

/// <summary>Heatmap overlay of a scored image at its own size, on the model's fixed colour scale.</summary>
public static class OverlayRenderer
{
    public static byte[] Render(ScoredImage scored, RgbImage original, ThresholdInfo threshold)
    {
        float[] map;
        using (var t = tensor(scored.Map).reshape(scored.MapHeight, scored.MapWidth))
            map = AnomalyMaps.ToImageSize(t, original.Width, original.Height);
        var (low, high) = ColourScale(threshold, scored.Map);
        var caption = string.Create(CultureInfo.InvariantCulture,
            $"{(scored.Reject ? "REJECT" : "GOOD")}  score {scored.Score:0.###}  threshold {threshold.Value:0.###}  " +
            $"{Path.GetFileName(scored.Path)}");
        return HeatmapOverlay.RenderPng(original, map, low, high, caption, scored.Reject);
    }

    /// <summary>Blue at the median good score, yellow-green at the threshold, red at twice its distance above
    /// it.</summary>
    public static (float Low, float High) ColourScale(ThresholdInfo threshold, float[] fallbackMap)
    {
        if (double.IsFinite(threshold.Value) && threshold.Value > threshold.GoodMedian)
        {
            double span = threshold.Value - threshold.GoodMedian;
            return ((float)(threshold.GoodMedian - 0.25 * span), (float)(threshold.Value + span));
        }
        return (fallbackMap.Min(), fallbackMap.Max());
    }
}
