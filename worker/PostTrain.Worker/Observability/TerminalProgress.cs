using Spectre.Console;

namespace PostTrain.Worker.Observability;

/// <summary>
/// The progress display on a terminal (Spectre.Console): one bar per job, redrawn in place, with the job's figures,
/// percentage and remaining time; lines written meanwhile print above it. Only for a terminal: logs get plain lines
/// from <see cref="JobProgress"/> instead.
/// </summary>
internal sealed class TerminalProgress : IDisposable
{
    private const int BarWidth = 20;
    private readonly IAnsiConsole _console;
    private readonly Lock _gate = new();
    private ProgressTask? _task;
    private TaskCompletionSource? _finish;
    private Task? _display;

    /// <summary>Creates the display over <paramref name="terminal"/>, which must be a terminal.</summary>
    public TerminalProgress(TextWriter terminal) =>
        _console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(terminal),
            Ansi = AnsiSupport.Detect,
            Interactive = InteractionSupport.Yes,
        });

    /// <summary>Shows a new bar titled <paramref name="title"/> (ending the previous one).</summary>
    public void Begin(string title)
    {
        End();
        var finish = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var added = new TaskCompletionSource<ProgressTask>(TaskCreationOptions.RunContinuationsAsynchronously);
        var display = _console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = BarWidth }, new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                added.SetResult(context.AddTask(Markup.Escape(title), maxValue: 1));
                await finish.Task.ConfigureAwait(false);
            });
        var task = added.Task.GetAwaiter().GetResult();
        lock (_gate)
        {
            (_task, _finish, _display) = (task, finish, display);
        }
    }

    /// <summary>Moves the bar to <paramref name="step"/> of <paramref name="totalSteps"/>, described by <paramref name="description"/> (plain text).</summary>
    public void Update(long step, long totalSteps, string description)
    {
        ProgressTask? task;
        lock (_gate)
        {
            task = _task;
        }

        if (task is null)
        {
            return;
        }

        task.MaxValue = Math.Max(1, totalSteps);
        task.Value = Math.Min(step, task.MaxValue);
        // One line: the bar, percentage and remaining time take about BarWidth + 20 columns.
        var room = Math.Max(20, _console.Profile.Width - BarWidth - 20);
        task.Description = Markup.Escape(description.Length <= room ? description : description[..(room - 1)] + "…");
    }

    /// <summary>Prints a line above the bar.</summary>
    public void WriteLine(string line) => _console.WriteLine(line);

    /// <summary>Leaves the bar as it is and stops redrawing it.</summary>
    public void End()
    {
        Task? display;
        lock (_gate)
        {
            _finish?.TrySetResult();
            display = _display;
            (_task, _finish, _display) = (null, null, null);
        }

        display?.GetAwaiter().GetResult();
    }

    /// <inheritdoc />
    public void Dispose() => End();
}
