namespace Reb.Core.Datasets;

/// <summary>MVTec AD: &lt;cat&gt;/train/good, &lt;cat&gt;/test/&lt;defect&gt;,
/// &lt;cat&gt;/ground_truth/&lt;defect&gt;/&lt;stem&gt;_mask.png.</summary>
internal static class MvtecAdReader
{
    public const string Expected = "train/good, test/<defect> and ground_truth/<defect>/<stem>_mask.png";

    public static (IReadOnlyList<string> Train, IReadOnlyList<string> Validation,
        IReadOnlyList<DatasetSample> Test) Read(LayoutReading reading)
    {
        var train = reading.TrainImages("train/good", Expected);
        var test = reading.TestSamples(
            type => type == "good",
            (type, image) =>
            {
                var masks = reading.MasksByStem(Path.Combine("ground_truth", type));
                return masks.TryGetValue(Path.GetFileNameWithoutExtension(image) + "_mask", out var mask) ? [mask] : [];
            },
            "ground_truth/{0}/{1}_mask.png");
        return (train, [], test);
    }
}
