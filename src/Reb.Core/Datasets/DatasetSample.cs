namespace Reb.Core.Datasets;

/// <summary>
/// One test image. <paramref name="DefectType"/> is the name of its test sub-folder ("good", "crack", "ko",
/// "logical_anomalies"...), or <see cref="Unlabelled"/> for a plain folder. <paramref name="MaskPaths"/> lists
/// every mask file of the image; the ground truth is their union (MVTec LOCO has several per image, the
/// other layouts one). Empty for good images, unlabelled images and defective images whose mask is missing
/// (a warning on the <see cref="Dataset"/> says so).
/// </summary>
public sealed record DatasetSample(string ImagePath, bool IsAnomalous, string DefectType,
    IReadOnlyList<string> MaskPaths)
{
    /// <summary>DefectType of images from a plain folder, whose label is unknown.</summary>
    public const string Unlabelled = "unlabelled";
}
