namespace Reb.Core.Datasets;

/// <summary>
/// The files of one dataset category, listed but not decoded. Every list is in ordinal order of file names
/// (test images: by sub-folder, then file), so "the first N training images" is the same on every machine.
/// </summary>
/// <param name="Category">Name of the category folder (e.g. "bottle", "01").</param>
/// <param name="Root">Absolute path of the category folder.</param>
/// <param name="Layout">The layout that was read (never Auto).</param>
/// <param name="TrainGood">Defect-free training images, already cut to the requested shots.</param>
/// <param name="TrainGoodAvailable">Number of training images in the folder before cutting to shots.</param>
/// <param name="Validation">MVTec LOCO validation/good images; empty for other layouts.</param>
/// <param name="Test">Test images with labels and masks (unlabelled for a plain folder).</param>
/// <param name="Warnings">Problems that do not stop reading (missing masks, ignored TIFF files, shots clamped).</param>
public sealed record Dataset(
    string Category,
    string Root,
    DatasetLayout Layout,
    IReadOnlyList<string> TrainGood,
    int TrainGoodAvailable,
    IReadOnlyList<string> Validation,
    IReadOnlyList<DatasetSample> Test,
    IReadOnlyList<string> Warnings)
{
    /// <summary>False for a plain folder: its test images carry no ground truth.</summary>
    public bool HasLabels => Layout != DatasetLayout.PlainFolder;
}
