using System.Text.RegularExpressions;

namespace Reb.Cluster.Tests.Deployment;

/// <summary>One instruction of a Dockerfile (continuation lines joined, comments dropped), with its build
/// stage.</summary>
public sealed record DockerInstruction(string Keyword, string Arguments, int Stage, int Line);

/// <summary>A Dockerfile parsed into instructions: enough to check what it copies, runs and exposes.</summary>
public sealed class Dockerfile
{
    public IReadOnlyList<DockerInstruction> Instructions { get; }

    private Dockerfile(IReadOnlyList<DockerInstruction> instructions) => Instructions = instructions;

    public static Dockerfile Parse(string path)
    {
        var result = new List<DockerInstruction>();
        var lines = File.ReadAllLines(path);
        int stage = -1;
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            int first = i + 1;
            var text = line;
            while (text.EndsWith('\\') && i + 1 < lines.Length)
            {
                var next = lines[++i].Trim();
                if (next.StartsWith('#')) continue; // comment lines inside a continuation are dropped by Docker too
                text = text[..^1].TrimEnd() + " " + next;
            }
            var m = Regex.Match(text, @"^(\w+)\s+(.*)$");
            if (!m.Success) throw new InvalidDataException($"{path}:{first}: not an instruction: {text}");
            var keyword = m.Groups[1].Value.ToUpperInvariant();
            if (keyword == "FROM") stage++;
            result.Add(new DockerInstruction(keyword, m.Groups[2].Value.Trim(), stage, first));
        }
        return new Dockerfile(result);
    }

    public IEnumerable<DockerInstruction> Of(string keyword) => Instructions.Where(i => i.Keyword == keyword);

    /// <summary>The final stage's number (the image that runs).</summary>
    public int FinalStage => Instructions.Max(i => i.Stage);

    /// <summary>(sources, destination) of a COPY without --from (from the build context), in order.</summary>
    public IEnumerable<(IReadOnlyList<string> Sources, string Destination, DockerInstruction At)> ContextCopies() =>
        Of("COPY").Where(c => !c.Arguments.Contains("--from")).Select(c =>
        {
            var parts = c.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(p => !p.StartsWith("--"))
                .ToList();
            return ((IReadOnlyList<string>)parts[..^1], parts[^1], c);
        });
}
