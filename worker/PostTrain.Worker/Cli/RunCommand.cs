using System.Runtime.InteropServices;
using PostTrain.Api.Jobs;
using PostTrain.Api.Loading;
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
        if (port is < 1 or > 65535)
        {
            throw new UsageException($"--port (or POSTTRAIN_PORT): {port} is not a TCP port (1-65535); --no-server serves nothing");
        }

        var noServer = a.Flag("no-server");
        var terminationLog = a.String("termination-log", Environment.GetEnvironmentVariable("POSTTRAIN_TERMINATION_LOG") ?? (File.Exists(ResultWriter.DefaultTerminationPath) ? ResultWriter.DefaultTerminationPath : null));
        terminationLog = string.IsNullOrEmpty(terminationLog) ? null : terminationLog; // empty: this rank writes none
        var procsPerNode = a.Int("nproc-per-node", int.TryParse(Environment.GetEnvironmentVariable(LocalRankLauncher.ProcsPerNodeVariable), out var n) ? n : 1);
        var requestedDevice = a.String("device", Environment.GetEnvironmentVariable(DeviceSelection.EnvironmentVariable));
        a.RejectUnknown();
        if (procsPerNode < 1)
        {
            throw new UsageException($"--nproc-per-node must be at least 1, got {procsPerNode}");
        }

        if (LocalRankLauncher.ShouldLaunch(procsPerNode, Environment.GetEnvironmentVariable))
        {
            var plan = LocalRankLauncher.Plan(procsPerNode, Environment.GetEnvironmentVariable, FreePort, port, terminationLog);
            return await LocalRankLauncher.RunAsync(LocalRankLauncher.ChildArguments(args), plan, Console.Error).ConfigureAwait(false);
        }

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

        Torch.Device device;
        try
        {
            device = DeviceSelection.Choose(requestedDevice, int.TryParse(Environment.GetEnvironmentVariable("LOCAL_RANK"), out var localRank) ? localRank : 0);
            if (device.IsCuda)
            {
                Torch.Cuda.SetDevice(device.Index); // NCCL and any unplaced work go to this rank's GPU
            }
        }
        catch (InvalidEnvironmentException e)
        {
            Console.Error.WriteLine($"posttrain-worker: InvalidEnvironment: {e.Message}");
            if (terminationLog is not null && jobs.Count > 0)
            {
                ResultWriter.WriteTerminationMessage(new JobOutcome { Kind = jobs[0].Kind, Name = jobs[0].Metadata.Name!, Phase = "Failed", Message = $"InvalidEnvironment: {e.Message}" }, terminationLog);
            }

            return WorkerExitCodes.InvalidEnvironment;
        }

        using var cts = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; cts.Cancel(); });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => { ctx.Cancel = true; cts.Cancel(); });
        using var metrics = new WorkerMetrics();
        using var progress = new JobProgress(metrics, Console.Out, interactive: !Console.IsOutputRedirected);
        await using var server = noServer ? null : await WorkerHttpServer.TryStartAsync(port, Environment.GetEnvironmentVariable(ListenAddressVariable), progress, cts.Token).ConfigureAwait(false);

        var sourceOptions = SourceResolverOptions.FromEnvironment();
        using var hub = new HubClient(sourceOptions.Hub);
        using var env = new JobEnvironment(new SourceLoading(new SourceResolver(sourceOptions, hub)), progress, runsDirectory, sourceOptions.PvcRoot) { Device = device };
        progress.Message($"device {device}{(env.WorldSize > 1 ? $", rank {env.Rank} of {env.WorldSize}" : string.Empty)}");
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

        try
        {
            foreach (var (job, outcome) in jobs.Join(outcomes, j => j.Metadata.Name, o => o.Name, (j, o) => (j, o)))
            {
                ResultWriter.WriteToDirectory(outcome, env.OutputDirectory(outcome.Name, job.CommonSpec.Output));
            }
        }
        catch (IOException e)
        {
            // The outputs are written; only result.json could not be: say so, keep the termination message.
            Console.Error.WriteLine($"posttrain-worker: cannot write result.json: {JobFailures.Describe(e)}");
            if (JobFailures.IsDiskFull(e))
            {
                outcomes = [.. outcomes.Select(o => o.Succeeded ? o : o with { InvalidInput = true })];
                if (outcomes.All(o => o.Succeeded))
                {
                    return WorkerExitCodes.InvalidInput;
                }
            }
        }

        if (terminationLog is not null && outcomes.Count > 0)
        {
            ResultWriter.WriteTerminationMessage(outcomes.FirstOrDefault(o => !o.Succeeded) ?? outcomes[^1], terminationLog);
        }

        // Every rank ran the same jobs; rank 0 alone prints the table and writes the report into the shared output.
        var table = env.Rank == 0 ? PipelineReport.Table(outcomes) : string.Empty;
        if (table.Length > 0)
        {
            Console.WriteLine();
            Console.Write(table);
        }

        if (jobs.Count > 1 && env.Rank == 0)
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
            : outcomes.Any(o => o.InvalidInput) ? WorkerExitCodes.InvalidInput
            : WorkerExitCodes.Failed;
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The address /metrics and /status listen on: <c>POSTTRAIN_LISTEN_ADDRESS</c> (a node agent running several pods on one host gives each its pod IP), else every interface.</summary>
    public const string ListenAddressVariable = "POSTTRAIN_LISTEN_ADDRESS";
}
