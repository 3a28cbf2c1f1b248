using Reb.Core;
using Spectre.Console;

namespace Reb.Cli.Commands;

/// <summary>Spectre.Console progress bars, one per pipeline stage, created as stages start. Reports arrive
/// synchronously.</summary>
public sealed class ConsoleProgress(ProgressContext context) : IProgress<StageProgress>
{
    private readonly Dictionary<string, ProgressTask> _tasks = new();
    private readonly object _gate = new();

    public void Report(StageProgress value)
    {
        lock (_gate)
        {
            if (!_tasks.TryGetValue(value.Stage, out var task))
            {
                task = context.AddTask(Label(value.Stage), maxValue: 1.0);
                _tasks[value.Stage] = task;
            }
            task.Value = Math.Clamp(value.Fraction, 0, 1);
            if (value.Detail is { } d) task.Description = $"{Label(value.Stage)} [grey]{Markup.Escape(d)}[/]";
            if (value.Fraction >= 1) task.StopTask();
        }
    }

    private static string Label(string stage) => stage switch
    {
        "embed" => "Embedding training images",
        "coreset" => "Selecting core set",
        "density" => "Fitting local densities",
        "calibrate" => "Calibrating threshold",
        "score" => "Scoring test images",
        _ => stage,
    };

    /// <summary>Runs work under progress bars (plain output when the console is not interactive).</summary>
    public static T Run<T>(Func<IProgress<StageProgress>, T> work)
    {
        // Logs and CI: one line per stage every 10%, not a redraw of every bar on every update.
        if (!AnsiConsole.Profile.Capabilities.Interactive) return work(new LineProgress());
        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx => { result = work(new ConsoleProgress(ctx)); });
        return result;
    }

    /// <summary>Plain progress lines for non-interactive output.</summary>
    private sealed class LineProgress : IProgress<StageProgress>
    {
        private readonly Dictionary<string, int> _lastDecile = new();
        private readonly System.Diagnostics.Stopwatch _watch = System.Diagnostics.Stopwatch.StartNew();

        public void Report(StageProgress value)
        {
            int decile = (int)Math.Floor(Math.Clamp(value.Fraction, 0, 1) * 10);
            lock (_lastDecile)
            {
                if (_lastDecile.TryGetValue(value.Stage, out var last) && decile <= last) return;
                _lastDecile[value.Stage] = decile;
            }
            Console.WriteLine($"[{_watch.Elapsed:mm\\:ss}] {Label(value.Stage)}: {decile * 10}%");
        }
    }
}
