namespace Reb.Core.Datasets;

/// <summary>
/// BTAD, one product folder (01, 02 or 03): train/ok, test/ok, test/ko, ground_truth/ko/&lt;stem&gt;.&lt;ext&gt;. Image
/// and mask extensions differ between products (.bmp, .png, .jpg), so masks are matched by file stem.
/// </summary>
internal static class BtadReader
{
    public const string Expected = "train/ok, test/ok, test/ko and ground_truth/ko/<stem>.png";

    public static (IReadOnlyList<string> Train, IReadOnlyList<string> Validation,
        IReadOnlyList<DatasetSample> Test) Read(LayoutReading reading)
    {
        var train = reading.TrainImages("train/ok", Expected);
        var test = reading.TestSamples(
            type => type is "ok" or "good",
            (type, image) =>
            {
                var masks = reading.MasksByStem(Path.Combine("ground_truth", type));
                string stem = Path.GetFileNameWithoutExtension(image);
                // Some BTAD copies name masks like MVTec (<stem>_mask); accept both.
                if (masks.TryGetValue(stem, out var mask) || masks.TryGetValue(stem + "_mask", out mask)) return [mask];
                return [];
            },
            "ground_truth/{0}/{1}.png");
        return (train, [], test);
    }
}
