using System.Globalization;
using System.Text;
using PostTrain.Api.Status;
using PostTrain.Api.Worker;
using PostTrain.Trainer.Training;

namespace PostTrain.Worker.Observability;

/// <summary>
/// Follows the running job: feeds metrics, keeps the <c>/status</c> document, and prints progress, as a Spectre.Console
/// progress bar on a terminal (<paramref name="interactive"/>) and as plain lines (every <c>logEvery</c> steps) in logs.
/// </summary>
/// <param name="metrics">The instruments fed from each step.</param>
/// <param name="log">Where progress and messages go.</param>
/// <param name="interactive">Whether <paramref name="log"/> is a terminal.</param>
/// <param name="timeProvider">The clock of the messages' times, the remaining time and <c>lastUpdateTime</c>; <see cref="TimeProvider.System"/> when null.</param>
public sealed class JobProgress(WorkerMetrics metrics, TextWriter log, bool interactive, TimeProvider? timeProvider = null) : ITrainingObserver, IDisposable
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly TerminalProgress? _terminal = interactive ? new TerminalProgress(log) : null;
    private long _started;
    private string _job = "";
    private string _kind = "";
    private string _phase = WorkerPhases.Pending;
    private WorkerProgress _progress = new();
    private WorkerCheckpoint? _checkpoint;
    private Func<string, string> _checkpointUri = path => path;
    private int _logEvery = 1;

    /// <summary>Starts following a job.</summary>
    /// <param name="ns">The job's namespace (a metrics label), if any.</param>
    /// <param name="job">The job's name.</param>
    /// <param name="kind">The job's kind.</param>
    /// <param name="logEverySteps">Print a progress line every this many steps (when not on a terminal).</param>
    /// <param name="checkpointUri">
    /// How a checkpoint directory the trainer saved is reported on /status (see <see cref="Running.JobEnvironment.CheckpointUri"/>);
    /// unset reports the local path.
    /// </param>
    public void Begin(string? ns, string job, string kind, int logEverySteps, Func<string, string>? checkpointUri = null)
    {
        lock (_gate)
        {
            _job = job;
            _kind = kind;
            _phase = WorkerPhases.Running;
            _progress = new WorkerProgress { Step = 0, Metrics = [] };
            _checkpoint = null;
            _checkpointUri = checkpointUri ?? (path => path);
            _logEvery = Math.Max(1, logEverySteps);
            _started = _time.GetTimestamp();
        }

        metrics.SetJob(ns, job, kind);
        Message($"{kind}/{job}: started");
        _terminal?.Begin($"{kind}/{job}");
    }

    /// <summary>Marks the job finished.</summary>
    public void End(string phase)
    {
        lock (_gate)
        {
            _phase = phase;
        }

        _terminal?.End();
    }

    /// <inheritdoc />
    public void OnStep(long step, long totalSteps, IReadOnlyDictionary<string, double> values)
    {
        metrics.Record(step, totalSteps, values);
        string line;
        string description;
        lock (_gate)
        {
            var elapsed = _time.GetElapsedTime(_started);
            var eta = step > 0 && totalSteps > step ? TimeSpan.FromSeconds(elapsed.TotalSeconds / step * (totalSteps - step)) : TimeSpan.Zero;
            _progress = new WorkerProgress
            {
                Step = step,
                TotalSteps = totalSteps,
                Percent = totalSteps > 0 ? Math.Round(100.0 * step / totalSteps, 1) : null,
                Eta = GoDuration.Format(eta),
                LastUpdateTime = _time.GetUtcNow(),
                Metrics = values.Where(kv => double.IsFinite(kv.Value)).ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value, 6)),
            };
            var figures = Figures(values);
            line = Line(step, totalSteps, figures, eta);
            description = $"{_kind}/{_job} {step}/{totalSteps}{figures}";
        }

        if (_terminal is not null)
        {
            _terminal.Update(step, totalSteps, description);
        }
        else if (step % _logEvery == 0 || step == totalSteps)
        {
            log.WriteLine(line);
        }
    }

    /// <inheritdoc />
    public void OnCheckpoint(long step, string path)
    {
        lock (_gate)
        {
            _checkpoint = new WorkerCheckpoint { Uri = _checkpointUri(path), Step = step };
        }
    }

    /// <inheritdoc />
    public void OnMessage(string message)
    {
        var line = $"[{_time.GetUtcNow():HH:mm:ss}] {message}";
        if (_terminal is not null)
        {
            _terminal.WriteLine(line);
        }
        else
        {
            log.WriteLine(line);
        }
    }

    /// <summary>Logs a line.</summary>
    public void Message(string message) => OnMessage(message);

    /// <summary>The <c>/status</c> document: job, phase, progress and newest checkpoint.</summary>
    /// <returns>The document.</returns>
    public WorkerStatus Status()
    {
        lock (_gate)
        {
            return new WorkerStatus
            {
                Job = _job,
                Kind = _kind,
                Phase = _phase,
                Progress = new WorkerProgress
                {
                    Step = _progress.Step,
                    TotalSteps = _progress.TotalSteps,
                    Percent = _progress.Percent,
                    Eta = _progress.Eta,
                    LastUpdateTime = _progress.LastUpdateTime,
                    Metrics = _progress.Metrics is null ? null : new(_progress.Metrics, StringComparer.Ordinal),
                },
                Checkpoint = _checkpoint is null ? null : new WorkerCheckpoint { Uri = _checkpoint.Uri, Step = _checkpoint.Step },
            };
        }
    }

    /// <summary>The <c>/status</c> document as JSON (<see cref="WorkerJson.Serialize(WorkerStatus)"/>).</summary>
    /// <returns>The JSON text.</returns>
    public string StatusJson() => WorkerJson.Serialize(Status());

    /// <inheritdoc />
    public void Dispose() => _terminal?.Dispose();

    /// <summary>The plain progress line of a log: <c>kind/job [#####...............] step/total figures eta=...</c>.</summary>
    private string Line(long step, long total, string figures, TimeSpan eta)
    {
        var width = 20;
        var filled = total > 0 ? (int)(width * step / total) : 0;
        return string.Create(CultureInfo.InvariantCulture, $"{_kind}/{_job} [{new string('#', filled)}{new string('.', width - filled)}] {step}/{total}{figures} eta={GoDuration.Format(eta)}");
    }

    /// <summary>The headline figures of a step, each as <c> name=value</c>.</summary>
    private static string Figures(IReadOnlyDictionary<string, double> values)
    {
        var sb = new StringBuilder();
        foreach (var key in new[] { "loss", "validation_loss", "reward_mean", "pass_rate", "kl", "val_accuracy", "tokens_per_second", "rollout_tokens_per_second" })
        {
            if (values.TryGetValue(key, out var v))
            {
                sb.Append(CultureInfo.InvariantCulture, $" {key}={v:G4}");
            }
        }

        return sb.ToString();
    }
}
