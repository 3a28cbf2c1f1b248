using System.CommandLine;
using System.Text.RegularExpressions;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Docs;

/// <summary>
/// Every `reb ...` command line that README.md and docs/ show must exist: each command path resolves in the CLI's
/// command tree, its `--help` runs, and every flag written after it is one of that command's options. Documentation
/// that names a removed command or flag fails here instead of misleading a reader.
/// </summary>
public sealed partial class DocumentedCommandsTests
{
    [Fact]
    public void Every_documented_reb_command_and_flag_exists()
    {
        var repo = GatewayFixture.RepositoryRoot();
        var files = new[] { Path.Combine(repo, "README.md") }
            .Concat(Directory.GetFiles(Path.Combine(repo, "docs"), "*.md"))
            .ToArray();
        var problems = new List<string>();
        int checkedLines = 0;
        foreach (var file in files)
        {
            foreach (var line in DocumentedCommandLines(File.ReadAllText(file)))
            {
                checkedLines++;
                var problem = Check(line);
                if (problem is not null) problems.Add($"{Path.GetFileName(file)}: `{line}`: {problem}");
            }
        }
        Assert.True(checkedLines >= 20, $"only {checkedLines} documented command lines found; the scan is broken");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void A_removed_flag_or_command_is_caught()
    {
        Assert.NotNull(Check("reb cluster fit --line pcb --compute-slots 2"));
        Assert.NotNull(Check("reb cluster frobnicate --line pcb"));
        Assert.Null(Check("reb cluster fit --line pcb --shards 2"));
    }

    /// <summary>Null when the command path exists, its help runs and every flag is one of its options; else why
    /// not.</summary>
    private static string? Check(string commandLine)
    {
        var words = commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
        Command command = Reb.Cli.Program.CreateRoot();
        var path = new List<string>();
        foreach (var word in words)
        {
            if (word.StartsWith('-') || word.StartsWith('<') || word.StartsWith('[')) break;
            var sub = command.Subcommands.FirstOrDefault(c => c.Name == word);
            if (sub is null)
            {
                // A word after a command that takes arguments (reb score <images>) is an argument, not a command.
                if (command.Arguments.Count > 0 || path.Count > 0 && command.Subcommands.Count == 0) break;
                return $"no command '{word}' under 'reb {string.Join(' ', path)}'";
            }
            command = sub;
            path.Add(word);
        }

        var help = new StringWriter();
        var root = Reb.Cli.Program.CreateRoot();
        int exit = root.Parse([.. path, "--help"]).Invoke(new InvocationConfiguration { Output = help });
        if (exit != 0) return $"'reb {string.Join(' ', path)} --help' exited {exit}";

        var known = command.Options.SelectMany(o => o.Aliases.Append(o.Name)).ToHashSet();
        foreach (Match flag in FlagPattern().Matches(commandLine))
        {
            var name = flag.Value;
            if (name == "--help" || known.Contains(name)) continue;
            return $"'reb {string.Join(' ', path)}' has no option {name}";
        }
        return null;
    }

    /// <summary>Command lines from inline code spans and fenced blocks: `reb ...`, and `dotnet run --project
    /// src/Reb.Cli ... -- ...` rewritten as `reb ...`.</summary>
    private static IEnumerable<string> DocumentedCommandLines(string markdown)
    {
        var snippets = new List<string>();
        foreach (Match block in FencePattern().Matches(markdown)) snippets.AddRange(block.Groups[1].Value.Split('\n'));
        var outsideFences = FencePattern().Replace(markdown, "");
        foreach (Match span in SpanPattern().Matches(outsideFences)) snippets.Add(span.Groups[1].Value);
        foreach (var raw in snippets)
        {
            var text = raw.Trim();
            var viaDotnet = DotnetRunPattern().Match(text);
            if (viaDotnet.Success) text = "reb " + viaDotnet.Groups[1].Value;
            if (!text.StartsWith("reb ", StringComparison.Ordinal)) continue;
            var cut = text.IndexOfAny(['#', '|', '(', ')', ';']);
            if (cut > 0) text = text[..cut];
            yield return text.Replace("\\", "").Trim();
        }
    }

    [GeneratedRegex(@"```[a-z]*\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex FencePattern();

    [GeneratedRegex(@"`([^`\n]+)`")]
    private static partial Regex SpanPattern();

    [GeneratedRegex(@"dotnet run --project src/Reb\.Cli[^-]*(?:-c \w+ )?-- (.*)")]
    private static partial Regex DotnetRunPattern();

    [GeneratedRegex(@"(?<![\w-])--[a-z][a-z0-9-]*")]
    private static partial Regex FlagPattern();
}
