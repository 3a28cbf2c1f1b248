namespace Reb.Core.Datasets;

/// <summary>
/// MVTec LOCO: &lt;cat&gt;/train/good, &lt;cat&gt;/validation/good,
/// &lt;cat&gt;/test/{good,logical_anomalies,structural_anomalies}/NNN.png,
/// masks &lt;cat&gt;/ground_truth/&lt;type&gt;/NNN/000.png, 001.png... (one file per annotated defect; their union is
/// the mask). </summary>
internal static class MvtecLocoReader
{
    public const string Expected = "train/good, validation/good, test/{good,logical_anomalies,structural_anomalies} " +
        "and ground_truth/<type>/<stem>/000.png";

    public static (IReadOnlyList<string> Train, IReadOnlyList<string> Validation,
        IReadOnlyList<DatasetSample> Test) Read(LayoutReading reading)
    {
        var train = reading.TrainImages("train/good", Expected);
        var validation = reading.OptionalImages("validation/good");
        var test = reading.TestSamples(
            type => type == "good",
            (type, image) =>
            {
                string folder = reading.Folder("ground_truth", type, Path.GetFileNameWithoutExtension(image));
                return Directory.Exists(folder) ? ImageFiles.List(folder, reading.Warnings) : [];
            },
            "ground_truth/{0}/{1}/000.png");
        return (train, validation, test);
    }
}
