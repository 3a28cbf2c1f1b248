namespace Reb.Core.Calibration;

/// <summary>
/// The one verdict rule. A line may override its model's calibrated threshold; the effective threshold travels with
/// every score request, and this is the only place where a score becomes a verdict (single process, scoring grain,
/// gateway, dashboard and inspection log all show what it decided).
/// </summary>
public static class Verdict
{
    /// <summary>The line's override when it has one, else the model's calibrated threshold.</summary>
    public static double EffectiveThreshold(double modelThreshold, double? lineOverride) => lineOverride
        ?? modelThreshold;

    /// <summary>Reject when the image score reaches the threshold.</summary>
    public static bool IsReject(double score, double threshold) => score >= threshold;
}
