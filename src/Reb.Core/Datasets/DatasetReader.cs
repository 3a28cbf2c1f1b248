namespace Reb.Core.Datasets;

/// <summary>Lists the files of one dataset category (images are decoded elsewhere).</summary>
public static class DatasetReader
{
    /// <summary>
    /// Reads the category folder <paramref name="root"/> (e.g. ".../mvtec/bottle", ".../btad/01", or a plain
    /// folder of images). <paramref name="shots"/> keeps the first N training images in ordinal name order
    /// (few-shot runs); asking for more than exist uses all of them and adds a warning.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder, or a folder the layout requires, is
    /// missing.</exception>
    /// <exception cref="InvalidDataException">No layout recognised, or no training images.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="shots"/> is not positive.</exception>
    public static Dataset Open(string root, DatasetLayout layout = DatasetLayout.Auto, int? shots = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        if (shots is <= 0) throw new ArgumentOutOfRangeException(nameof(shots), shots,
            "shots must be at least 1 (or null for all training images)");
        string fullRoot = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        if (!Directory.Exists(fullRoot)) throw new DirectoryNotFoundException($"dataset folder not found: {fullRoot}");
        if (layout == DatasetLayout.Auto) layout = LayoutDetector.Detect(fullRoot);

        var reading = new LayoutReading(fullRoot, Describe(layout));
        var (train, validation, test) = layout switch
        {
            DatasetLayout.MvtecAd => MvtecAdReader.Read(reading),
            DatasetLayout.MvtecLoco => MvtecLocoReader.Read(reading),
            DatasetLayout.Btad => BtadReader.Read(reading),
            DatasetLayout.PlainFolder => ReadPlainFolder(reading),
            _ => throw new ArgumentOutOfRangeException(nameof(layout), layout, "unknown dataset layout"),
        };

        int available = train.Count;
        if (shots is int n)
        {
            if (layout == DatasetLayout.PlainFolder)
                reading.Warnings.Add($"shots = {n} ignored: a plain folder has no training images");
            else if (n > available)
                reading.Warnings.Add(
                    $"asked for {n} shots but only {available} training images exist; using all {available}");
            else
                train = train.Take(n).ToList();
        }
        return new Dataset(Path.GetFileName(fullRoot), fullRoot, layout, train, available, validation, test,
            reading.Warnings);
    }

    private static (IReadOnlyList<string>, IReadOnlyList<string>,
        IReadOnlyList<DatasetSample>) ReadPlainFolder(LayoutReading reading)
    {
        var images = ImageFiles.List(reading.Root, reading.Warnings);
        if (images.Count == 0)
            throw new InvalidDataException(
                $"no image files in {reading.Root} (looked for {string.Join(", ", ImageFiles.SupportedExtensions)})");
        var samples = images.Select(path => new DatasetSample(path, false, DatasetSample.Unlabelled, [])).ToList();
        return ([], [], samples);
    }

    private static string Describe(DatasetLayout layout) => layout switch
    {
        DatasetLayout.MvtecAd => "MVTec AD",
        DatasetLayout.MvtecLoco => "MVTec LOCO",
        DatasetLayout.Btad => "BTAD",
        _ => "plain folder",
    };
}
