using Reb.Core.Imaging;
using Spectre.Console;

namespace Reb.Cli.Commands;

internal static class Reports
{
    public static void Skipped(IReadOnlyList<SkippedImage> skipped)
    {
        foreach (var s in skipped)
            AnsiConsole.MarkupLine($"[yellow]skipped[/] {Markup.Escape(s.Path)}: {Markup.Escape(s.Reason)}");
    }
}
