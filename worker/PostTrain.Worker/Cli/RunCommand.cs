using System.Runtime.InteropServices;
using PostTrain.Api.Jobs;
using PostTrain.Api.Loading;
using PostTrain.Metrics;
using PostTrain.Trainer.Sources;
using PostTrain.Worker.Observability;
using PostTrain.Worker.Reporting;
using PostTrain.Worker.Running;

namespace PostTrain.Worker.Cli;

/// <summary><c>posttrain-worker run FILE</c>.</summary>
public static class RunCommand
{
    /// <summary>Runs the command; returns the process exit code.</summary>
    public static async Task<int> ExecuteAsync(string[] args)
    {
        var a = CommandArguments.Parse(args, new HashSet<string> { "no-server" });
        if (a.Positional.Count != 1)
        {
            throw new UsageException("run takes exactly one FILE");
        }

        var file = a.Positional[0];
        var runsDirectory = a.String("runs-dir", Environment.GetEnvironmentVariable("POSTTRAIN_RUNS_DIR") ?? "runs")!;
        var port = a.Int("port", int.TryParse(Environment.GetEnvironmentVariable("POSTTRAIN_PORT"), out var p) ? p : 9090);
        var noServer = a.Flag("no-server");
        var terminationLog = a.String("termination-log", Environment.GetEnvironmentVariable("POSTTRAIN_TERMINATION_LOG") ?? (File.Exists(ResultWriter.DefaultTerminationPath) ? ResultWriter.DefaultTerminationPath : null));
        a.RejectUnknown();

        IReadOnlyList<PostTrainJob> jobs;
        try
        {
            jobs = await JobManifestLoader.LoadFileAsync(file).ConfigureAwait(false);
        }
        catch (ManifestException e)
        {
            Console.Error.WriteLine(e.Message);
            return WorkerExitCodes.InvalidInput;
        }
        catch (FileNotFoundException)
        {
            Console.Error.WriteLine($"{file}: no such file");
            return WorkerExitCodes.InvalidInput;
        }

        using var cts = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; cts.Cancel(); });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => { ctx.Cancel = true; cts.Cancel(); });
        using var metrics = new WorkerMetrics();
        var progress = new JobProgress(metrics, Console.Out, interactive: !Console.IsOutputRedirected);
        using var server = noServer ? null : StartServer(port, progress);

        var sourceOptions = SourceResolverOptions.FromEnvironment();
        using var hub = new HubClient(sourceOptions.Hub);
        var env = new JobEnvironment(new SourceLoading(new SourceResolver(sourceOptions, hub)), progress, runsDirectory, sourceOptions.PvcRoot);
        IReadOnlyList<JobOutcome> outcomes;
        try
        {
            outcomes = await new PipelineRunner(env).RunAsync(jobs, file, cts.Token).ConfigureAwait(false);
        }
        catch (ManifestException e)
        {
            Console.Error.WriteLine(e.Message);
            return WorkerExitCodes.InvalidInput;
        }

        foreach (var (job, outcome) in jobs.Join(outcomes, j => j.Metadata.Name, o => o.Name, (j, o) => (j, o)))
        {
            ResultWriter.WriteToDirectory(outcome, env.OutputDirectory(outcome.Name, job.CommonSpec.Output));
        }

        if (terminationLog is not null && outcomes.Count > 0)
        {
            ResultWriter.WriteTerminationMessage(outcomes.FirstOrDefault(o => !o.Succeeded) ?? outcomes[^1], terminationLog);
        }

        var table = PipelineReport.Table(outcomes);
        if (table.Length > 0)
        {
            Console.WriteLine();
            Console.Write(table);
        }

        if (jobs.Count > 1)
        {
            var name = Path.GetFileNameWithoutExtension(file);
            var report = Path.GetFullPath(Path.Combine(runsDirectory, name, "report.html"));
            Directory.CreateDirectory(Path.GetDirectoryName(report)!);
            await File.WriteAllTextAsync(report, PipelineReport.Html(name, outcomes)).ConfigureAwait(false);
            Console.WriteLine($"report: {report}");
        }

        foreach (var o in outcomes.Where(o => !o.Succeeded))
        {
            Console.Error.WriteLine($"{o.Kind}/{o.Name}: {o.Phase}{(o.Message is null ? string.Empty : ": " + o.Message)}");
        }

        return outcomes.Any(o => o.Phase == "Preempted") ? WorkerExitCodes.Preempted
            : outcomes.All(o => o.Succeeded) && outcomes.Count == jobs.Count ? WorkerExitCodes.Succeeded
            : WorkerExitCodes.Failed;
    }

    private static PrometheusHttpListener? StartServer(int port, JobProgress progress)
    {
        var options = new PrometheusOptions();
        options.Meters.Add(WorkerMetrics.MeterName);
        var listener = new PrometheusHttpListener(port, options);
        try
        {
            listener.MapGet("/status", "application/json", _ => ValueTask.FromResult(progress.StatusJson())).Start();
            progress.Message($"serving /metrics and /status on port {port}");
            return listener;
        }
        catch (Exception e) when (e is System.Net.HttpListenerException or InvalidOperationException)
        {
            listener.Dispose();
            progress.Message($"warning: cannot serve /metrics on port {port} ({e.Message}); continuing without it");
            return null;
        }
    }
}
