using Reb.Core.Pipeline;

namespace Reb.Core.Tests.Pipeline;

/// <summary>scores.csv keeps one field per column whatever the image path holds, and the same columns for every
/// writer.</summary>
public sealed class ScoresCsvTests
{
    [Fact]
    public void Paths_with_commas_quotes_and_line_breaks_stay_one_field()
    {
        var path = Path.Combine(Path.GetTempPath(), $"reb-scores-{Guid.NewGuid():N}.csv");
        try
        {
            ScoresCsv.Write(path, [
                new ScoreRow("lot 7, \"east\"/img\n1.png", "good", false, 12.5, false, 20.25, "sha256-v1"),
                new ScoreRow("plain.png", null, null, 30.0, true, 20.25, null, 4),
            ]);
            var records = Parse(File.ReadAllText(path));
            Assert.Equal(3, records.Count);
            Assert.Equal(ScoresCsv.Header.Split(','), records[0]);
            Assert.All(records, r => Assert.Equal(8, r.Count));
            Assert.Equal(["lot 7, \"east\"/img\n1.png", "good", "good", "12.5", "good", "20.25", "sha256-v1", ""],
                records[1]);
            Assert.Equal(["plain.png", "", "", "30", "reject", "20.25", "", "4"], records[2]);
        }
        finally { File.Delete(path); }
    }

    /// <summary>An RFC 4180 reader, independent of the writer under test.</summary>
    private static List<List<string>> Parse(string text)
    {
        var records = new List<List<string>>();
        var record = new List<string>();
        var field = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { record.Add(field.ToString()); field.Clear(); }
            else if (c == '\n') { record.Add(field.ToString()); field.Clear(); records.Add(record); record = []; }
            else field.Append(c);
        }
        return records;
    }
}
