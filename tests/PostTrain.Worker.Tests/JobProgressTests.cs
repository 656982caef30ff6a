using System.Text.RegularExpressions;
using PostTrain.Api.Worker;
using PostTrain.Worker.Observability;

namespace PostTrain.Worker.Tests;

/// <summary>The worker's progress output: plain lines in logs, a Spectre.Console bar on a terminal.</summary>
public sealed partial class JobProgressTests : IDisposable
{
    private readonly WorkerMetrics _metrics = new();

    public void Dispose() => _metrics.Dispose();

    private static void Run(JobProgress progress)
    {
        progress.Begin("ns", "tiny", "SftJob", logEverySteps: 2);
        for (var step = 1; step <= 4; step++)
        {
            progress.OnStep(step, 4, new Dictionary<string, double> { ["loss"] = 2.0 / step, ["learning_rate"] = 1e-4 });
        }

        progress.Message("saved checkpoint-4");
        progress.End(WorkerPhases.Succeeded);
    }

    [Fact]
    public void A_log_gets_plain_lines_every_logEvery_steps_and_no_terminal_codes()
    {
        using var log = new StringWriter();
        using (var progress = new JobProgress(_metrics, log, interactive: false))
        {
            Run(progress);
        }

        var lines = log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBe(4);
        lines[0].ShouldMatch(@"^\[\d\d:\d\d:\d\d\] SftJob/tiny: started$");
        lines[1].ShouldMatch(@"^SftJob/tiny \[#{10}\.{10}\] 2/4 loss=1 eta=\S+$");
        lines[2].ShouldMatch(@"^SftJob/tiny \[#{20}\] 4/4 loss=0\.5 eta=0s$");
        lines[3].ShouldMatch(@"^\[\d\d:\d\d:\d\d\] saved checkpoint-4$");
        log.ToString().ShouldNotContain("\u001b");
    }

    [Fact]
    public void A_terminal_gets_a_progress_bar_with_the_figures_and_the_messages()
    {
        using var terminal = new StringWriter();
        using (var progress = new JobProgress(_metrics, terminal, interactive: true))
        {
            Run(progress);
        }

        var text = AnsiCodes().Replace(terminal.ToString(), string.Empty);
        text.ShouldContain("SftJob/tiny: started");
        text.ShouldContain("SftJob/tiny 4/4 loss=0.5");
        text.ShouldContain("100%");
        text.ShouldContain("saved checkpoint-4");
    }

    [GeneratedRegex(@"\u001b\[[0-9;?]*[A-Za-z]")]
    private static partial Regex AnsiCodes();
}
