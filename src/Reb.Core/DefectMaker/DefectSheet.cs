using static TorchSharp.torch;

namespace Reb.Core.DefectMaker;

/// <summary>What <c>reb defects</c> does: build a contact sheet of DefectMaker output for a folder of training
/// images.</summary>
public static class DefectSheet
{
    /// <summary>File name of the sheet inside the output folder.</summary>
    public const string FileName = "defects.png";

    /// <summary>
    /// Loads all <paramref name="trainImagePaths"/> (they are the cut-paste pool), draws <paramref name="count"/>
    /// distinct
    /// source images with a generator seeded by <paramref name="seed"/>, makes the clean + six defects of each and
    /// writes one contact sheet (<see cref="FileName"/>) into <paramref name="outDir"/>. Returns the sheet's path.
    /// Same inputs and seed give the same picture.
    /// </summary>
    public static string Write(IReadOnlyList<string> trainImagePaths, string outDir, int count, int seed,
        Placement placement)
    {
        ArgumentNullException.ThrowIfNull(trainImagePaths);
        if (trainImagePaths.Count == 0)
            throw new ArgumentException("no training images given", nameof(trainImagePaths));
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "need at least one row");
        if (string.IsNullOrWhiteSpace(outDir)) throw new ArgumentException("output folder is empty", nameof(outDir));
        Directory.CreateDirectory(outDir);

        using var sampler = DefectSampler.FromFiles(trainImagePaths, new DefectMakerOptions { Placement = placement });
        var rng = new Random(seed);
        var sources = sampler.DrawSources(count, rng);
        var samples = new List<DefectSample>();
        using var scope = NewDisposeScope();
        try
        {
            foreach (int src in sources) samples.Add(sampler.MakeSample(src, rng));
            var foregrounds = sources.Select(sampler.Foreground).ToArray();
            var captions = sources.Select(i => Path.GetFileName(trainImagePaths[i]) +
                (sampler.UsesWholeImage(i) ? " (whole image)" : "")).ToArray();
            var png = ContactSheet.Render(samples, foregrounds, captions);
            string path = Path.Combine(outDir, FileName);
            File.WriteAllBytes(path, png);
            return path;
        }
        finally
        {
            foreach (var s in samples) s.Dispose();
        }
    }
}
