using System.Globalization;
using System.Text;

namespace Reb.Core.Pipeline;

/// <summary>One scored image as a row of scores.csv. Fields that do not apply (no label, no cluster) stay
/// empty.</summary> <param name="Image">The image's path as the user gave it (or relative to the dataset root).</param>
/// <param name="DefectType">The dataset folder of the image ("good", a defect type), when it comes from a
/// dataset.</param> <param name="Defect">Ground truth, when the dataset has labels.</param>
/// <param name="Score">The image score.</param>
/// <param name="Reject">The verdict at <paramref name="Threshold"/>.</param>
/// <param name="Threshold">The threshold the verdict used.</param>
/// <param name="ModelVersion">The model version that scored it.</param>
/// <param name="Shards">Bank shards the cluster searched; empty for a single process.</param>
public sealed record ScoreRow(string Image, string? DefectType, bool? Defect, double Score, bool Reject,
    double Threshold,
    string? ModelVersion, int? Shards = null);

/// <summary>
/// The one writer of scores.csv (`reb score`, `reb eval`, `reb cluster score`, `reb cluster demo`): the same columns
/// everywhere, so the files of a single process and of the cluster compare line by line, and RFC 4180 quoting, so a
/// path with a comma or a quote stays one field. Scores are written round-trip exact ("R").
/// </summary>
public static class ScoresCsv
{
    public const string Header = "image,defect_type,label,score,verdict,threshold,model_version,shards";

    public static void Write(string path, IEnumerable<ScoreRow> rows)
    {
        var sb = new StringBuilder(Header).Append('\n');
        foreach (var r in rows)
            sb.Append(Field(r.Image)).Append(',')
              .Append(Field(r.DefectType ?? "")).Append(',')
              .Append(r.Defect switch { true => "defect", false => "good", null => "" }).Append(',')
              .Append(r.Score.ToString("R", CultureInfo.InvariantCulture)).Append(',')
              .Append(r.Reject ? "reject" : "good").Append(',')
              .Append(r.Threshold.ToString("R", CultureInfo.InvariantCulture)).Append(',')
              .Append(Field(r.ModelVersion ?? "")).Append(',')
              .Append(r.Shards?.ToString(CultureInfo.InvariantCulture) ?? "").Append('\n');
        File.WriteAllText(path, sb.ToString());
    }

    /// <summary>A field quoted when it holds a comma, a quote or a line break (quotes doubled).</summary>
    public static string Field(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"") + "\"";
}
