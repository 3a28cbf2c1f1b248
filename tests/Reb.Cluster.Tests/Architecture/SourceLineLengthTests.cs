using Reb.Cluster.Tests.TestSupport;

namespace Reb.Cluster.Tests.Architecture;

/// <summary>
/// Every C# line under src/ and tests/ fits in 120 characters (.editorconfig's max_line_length), so that code reads
/// without horizontal scrolling in reviews and side-by-side diffs. Generated files under bin/ and obj/ are left out.
/// </summary>
public sealed class SourceLineLengthTests
{
    private const int MaxLength = 120;
    private const int Listed = 20;

    [Fact]
    public void Source_lines_stay_within_120_characters()
    {
        var root = PcbModelFixture.RepositoryRoot();
        var sep = Path.DirectorySeparatorChar;
        var offenders = new[] { "src", "tests" }
            .SelectMany(dir => Directory.EnumerateFiles(Path.Combine(root, dir), "*.cs", SearchOption.AllDirectories))
            .Where(p => !p.Contains($"{sep}obj{sep}") && !p.Contains($"{sep}bin{sep}"))
            .Order(StringComparer.Ordinal)
            .SelectMany(p => File.ReadLines(p)
                .Select((text, i) => (Path: Path.GetRelativePath(root, p), Line: i + 1, text.Length))
                .Where(l => l.Length > MaxLength))
            .ToList();
        Assert.True(offenders.Count == 0,
            $"{offenders.Count} lines longer than {MaxLength} characters (wrap them), the first:" +
            Environment.NewLine
            + string.Join(Environment.NewLine, offenders.Take(Listed).Select(o => $"{o.Path}:{o.Line} ({o.Length})")));
    }
}
