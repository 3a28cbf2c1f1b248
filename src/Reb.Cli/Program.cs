using System.CommandLine;
using Reb.Cli.Commands;
using Spectre.Console;

namespace Reb.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        var root = CreateRoot();
        try
        {
            return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (UserErrors.IsUserError(e))
        {
            AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            return 2;
        }
    }

    /// <summary>The whole command tree: <c>Main</c> runs it, and the documentation test checks every documented command
    /// and flag against it.</summary>
    public static RootCommand CreateRoot()
    {
        var root = new RootCommand(
            "reb: visual defect inspection with REB (DefectMaker + LDKNN). Train on good images, inspect new ones.");
        root.Subcommands.Add(FitCommand.Create());
        root.Subcommands.Add(ScoreCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(BenchUpdateCommand.Create());
        root.Subcommands.Add(DefectsCommand.Create());
        var cluster = Commands.Cluster.ClusterCommand.Create();
        // Registered here, not by ClusterCommand: the soak uses the cluster commands' session, not the other way round.
        cluster.Subcommands.Add(Commands.Soak.SoakCommand.Create());
        root.Subcommands.Add(cluster);
        root.Subcommands.Add(Commands.Load.LoadCommand.Create());
        return root;
    }
}
