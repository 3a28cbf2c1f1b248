namespace Reb.Core.Datasets;

/// <summary>Steps shared by the layout readers: required folders, the training list, test folders and mask
/// lookup.</summary>
internal sealed class LayoutReading
{
    public LayoutReading(string root, string layoutName)
    {
        Root = root;
        LayoutName = layoutName;
    }

    public string Root { get; }
    public string LayoutName { get; }
    public List<string> Warnings { get; } = new();

    public string Folder(params string[] parts) => Path.Combine([Root, .. parts]);

    public string Relative(string path) => Path.GetRelativePath(Root, path).Replace('\\', '/');

    /// <summary>The images of a required training folder; missing or empty stops reading with a clear
    /// message.</summary>
    public IReadOnlyList<string> TrainImages(string relativeFolder, string expected)
    {
        string folder = Folder(relativeFolder);
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException(
                $"missing folder {folder}: the {LayoutName} layout expects {expected}");
        var images = ImageFiles.List(folder, Warnings);
        if (images.Count == 0)
            throw new InvalidDataException(
                $"no training images in {folder} (looked for {string.Join(", ", ImageFiles.SupportedExtensions)})");
        return images;
    }

    /// <summary>Images of an optional folder (empty list when it does not exist).</summary>
    public IReadOnlyList<string> OptionalImages(string relativeFolder)
    {
        string folder = Folder(relativeFolder);
        return Directory.Exists(folder) ? ImageFiles.List(folder, Warnings) : [];
    }

    /// <summary>
    /// Every image of every sub-folder of test/, labelled normal when <paramref name="isNormalType"/> says so;
    /// masks of defective images come from <paramref name="masksOf"/> (type, image path); none = a warning.
    /// </summary>
    public IReadOnlyList<DatasetSample> TestSamples(Func<string, bool> isNormalType,
        Func<string, string, IReadOnlyList<string>> masksOf, string expectedMask)
    {
        string testRoot = Folder("test");
        if (!Directory.Exists(testRoot))
        {
            Warnings.Add($"no test folder ({testRoot}): the dataset has training images only");
            return [];
        }
        var samples = new List<DatasetSample>();
        foreach (string type in ImageFiles.SubfolderNames(testRoot))
        {
            var images = ImageFiles.List(Path.Combine(testRoot, type), Warnings);
            if (images.Count == 0) Warnings.Add($"test/{type} contains no images");
            bool normal = isNormalType(type);
            foreach (string image in images)
            {
                IReadOnlyList<string> masks = normal ? [] : masksOf(type, image);
                if (!normal && masks.Count == 0)
                    Warnings.Add($"no mask for {Relative(image)} (expected " +
                        $"{string.Format(expectedMask, type, Path.GetFileNameWithoutExtension(image))})");
                samples.Add(new DatasetSample(image, !normal, type, masks));
            }
        }
        return samples;
    }

    /// <summary>
    /// Index of the image files of a mask folder by file stem (name without extension), so masks are found
    /// whatever their extension. Cached per folder; a stem present twice keeps the ordinal-first file, with a warning.
    /// </summary>
    public IReadOnlyDictionary<string, string> MasksByStem(string relativeFolder)
    {
        string folder = Folder(relativeFolder);
        if (_maskIndex.TryGetValue(folder, out var cached)) return cached;
        var index = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Directory.Exists(folder))
        {
            foreach (string mask in ImageFiles.List(folder, Warnings))
            {
                string stem = Path.GetFileNameWithoutExtension(mask);
                if (!index.TryAdd(stem, mask))
                    Warnings.Add($"{Relative(mask)} ignored: {Relative(index[stem])} has the same name stem");
            }
        }
        _maskIndex[folder] = index;
        return index;
    }

    private readonly Dictionary<string, IReadOnlyDictionary<string, string>> _maskIndex = new(StringComparer.Ordinal);
}
