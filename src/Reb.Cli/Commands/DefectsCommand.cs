using System.CommandLine;
using Reb.Core.DefectMaker;
using Spectre.Console;

namespace Reb.Cli.Commands;

/// <summary>`reb defects`: a contact sheet of DefectMaker's six synthetic defect kinds on a category's good
/// images.</summary>
public static class DefectsCommand
{
    public static Command Create()
    {
        var data = new Option<DirectoryInfo>("--data")
        {
            Description = "category folder (or a folder of good images)",
            Required = true
        };
        var output = new Option<DirectoryInfo>("--out") { Description = "folder for defects.png", Required = true };
        var count = new Option<int>("--count")
        {
            Description = "rows (source images) on the sheet",
            DefaultValueFactory = _ => 6
        };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 0 };
        var pool = new Option<int>("--pool")
        {
            Description = "training images loaded as cut-paste sources",
            DefaultValueFactory = _ => 64
        };
        var placement = new Option<Placement>("--placement")
        {
            Description = "foreground: defects centred on the estimated object; uniform: anywhere (textures)",
            DefaultValueFactory = _ => Placement.Foreground
        };
        var cmd = new Command("defects", "Draw a contact sheet: each row a clean image and its six synthetic " +
            "defects, masks outlined.") { data, output, count, seed, pool, placement };
        cmd.SetAction(r =>
        {
            var train = FitCommand.TrainingImages(r.GetValue(data)!.FullName, r.GetValue(pool), out var category);
            var path = DefectSheet.Write(train, r.GetValue(output)!.FullName, r.GetValue(count), r.GetValue(seed),
                r.GetValue(placement));
            AnsiConsole.MarkupLine($"[green]{Markup.Escape(category)}[/]: columns = clean, " +
                $"{string.Join(", ", DefectKinds.Defects.Select(k => k.ShortName()))} -> {Markup.Escape(path)}");
            return 0;
        });
        return cmd;
    }
}
