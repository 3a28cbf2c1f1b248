namespace Reb.Core.Datasets;

/// <summary>Recognises a layout from the folders present in a category folder.</summary>
internal static class LayoutDetector
{
    public static DatasetLayout Detect(string root)
    {
        bool Has(string relative) => Directory.Exists(Path.Combine(root, relative));

        if (Has("train/good")
            && (Has("test/logical_anomalies") || Has("test/structural_anomalies") || Has("validation/good")))
            return DatasetLayout.MvtecLoco;
        if (Has("train/good")) return DatasetLayout.MvtecAd;
        if (Has("train/ok")) return DatasetLayout.Btad;
        if (ImageFiles.List(root).Count > 0) return DatasetLayout.PlainFolder;

        var categories = ImageFiles.SubfolderNames(root)
            .Where(name => Directory.Exists(Path.Combine(root, name, "train")))
            .ToList();
        if (categories.Count > 0)
            throw new InvalidDataException(
                $"{root} holds several dataset categories ({string.Join(", ", categories)}); open one category " +
                $"folder, e.g. {Path.Combine(root, categories[0])}");
        throw new InvalidDataException(
            $"could not recognise the dataset layout of {root}. Expected one of: " +
            $"MVTec AD ({MvtecAdReader.Expected}); MVTec LOCO ({MvtecLocoReader.Expected}); BTAD " +
            $"({BtadReader.Expected}); " +
            $"or a plain folder of image files ({string.Join(", ", ImageFiles.SupportedExtensions)}).");
    }
}
