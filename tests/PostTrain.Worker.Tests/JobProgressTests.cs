using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;
using PostTrain.Api.Worker;
using PostTrain.Worker.Observability;

namespace PostTrain.Worker.Tests;

/// <summary>The worker's progress output: plain lines in logs, a Spectre.Console bar on a terminal.</summary>
public sealed partial class JobProgressTests : IDisposable
{
    private readonly WorkerMetrics _metrics = new();

    public void Dispose() => _metrics.Dispose();

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 8, 30, 0, TimeSpan.Zero));

    private void Run(JobProgress progress)
    {
        progress.Begin("ns", "tiny", "SftJob", logEverySteps: 2);
        for (var step = 1; step <= 4; step++)
        {
            _time.Advance(TimeSpan.FromSeconds(3));
            progress.OnStep(step, 4, new Dictionary<string, double> { ["loss"] = 2.0 / step, ["learning_rate"] = 1e-4 });
        }

        progress.Message("saved checkpoint-4");
        progress.End(WorkerPhases.Succeeded);
    }

    [Fact]
    public void A_log_gets_plain_lines_every_logEvery_steps_and_no_terminal_codes()
    {
        using var log = new StringWriter();
        using (var progress = new JobProgress(_metrics, log, interactive: false, _time))
        {
            Run(progress);
        }

        log.ToString().ShouldBe(
            """
            [08:30:00] SftJob/tiny: started
            SftJob/tiny [##########..........] 2/4 loss=1 eta=6s
            SftJob/tiny [####################] 4/4 loss=0.5 eta=0s
            [08:30:12] saved checkpoint-4

            """.ReplaceLineEndings(log.NewLine));
    }

    [Fact]
    public void A_terminal_gets_a_progress_bar_with_the_figures_and_the_messages()
    {
        using var terminal = new StringWriter();
        using (var progress = new JobProgress(_metrics, terminal, interactive: true, _time))
        {
            Run(progress);
        }

        var text = AnsiCodes().Replace(terminal.ToString(), string.Empty);
        text.ShouldContain("[08:30:00] SftJob/tiny: started");
        text.ShouldContain("SftJob/tiny 4/4 loss=0.5");
        text.ShouldContain("100%");
        text.ShouldContain("saved checkpoint-4");
    }

    [GeneratedRegex(@"\u001b\[[0-9;?]*[A-Za-z]")]
    private static partial Regex AnsiCodes();
}
