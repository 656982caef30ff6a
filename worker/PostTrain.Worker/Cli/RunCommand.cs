using System.CommandLine;
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
    /// <summary>The <c>run</c> command: its FILE argument and options, each with its environment-variable fallback.</summary>
    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "The jobs to run: YAML manifests (one or many documents) or the operator's job.json, run in dependency order on this machine." };
        var runsDirectory = new Option<string>("--runs-dir")
        {
            Description = "Outputs of jobs without spec.output.uri go to DIR/<job> ($POSTTRAIN_RUNS_DIR).",
            HelpName = "DIR",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("POSTTRAIN_RUNS_DIR") ?? "runs",
        };
        var port = new Option<int>("--port")
        {
            Description = "Serve /metrics and /status on port N ($POSTTRAIN_PORT), on every interface or on $" + ListenAddressVariable + ".",
            HelpName = "N",
            DefaultValueFactory = _ => int.TryParse(Environment.GetEnvironmentVariable("POSTTRAIN_PORT"), out var p) ? p : 9090,
        };
        var noServer = new Option<bool>("--no-server") { Description = "Do not serve /metrics and /status." };
        var terminationLog = new Option<string?>("--termination-log")
        {
            Description = "Write the result JSON to F ($POSTTRAIN_TERMINATION_LOG; default: " + ResultWriter.DefaultTerminationPath + " when it exists; empty: none).",
            HelpName = "F",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("POSTTRAIN_TERMINATION_LOG") ?? (File.Exists(ResultWriter.DefaultTerminationPath) ? ResultWriter.DefaultTerminationPath : null),
        };
        var device = new Option<string?>("--device")
        {
            Description = "auto (a GPU when there is one), cpu, or cuda (fail without one); $" + DeviceSelection.EnvironmentVariable + ".",
            HelpName = "D",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable(DeviceSelection.EnvironmentVariable),
        };
        device.CompletionSources.Add("auto", "cpu", "cuda");
        var procsPerNode = new Option<int>("--nproc-per-node")
        {
            Description = "Start N ranks, one per GPU, as torchrun does; $" + LocalRankLauncher.ProcsPerNodeVariable + ".",
            HelpName = "N",
            DefaultValueFactory = _ => int.TryParse(Environment.GetEnvironmentVariable(LocalRankLauncher.ProcsPerNodeVariable), out var n) ? n : 1,
        };
        var command = new Command("run", "Run the jobs in FILE on this machine.")
        {
            file, runsDirectory, port, noServer, terminationLog, device, procsPerNode,
        };
        command.SetAction((parse, cancellationToken) => ExecuteAsync(
            new RunSettings
            {
                File = parse.GetRequiredValue(file),
                RunsDirectory = parse.GetRequiredValue(runsDirectory),
                Port = parse.GetValue(port),
                NoServer = parse.GetValue(noServer),
                TerminationLog = parse.GetValue(terminationLog) is { Length: > 0 } log ? log : null, // empty: this rank writes none
                Device = parse.GetValue(device),
                ProcsPerNode = parse.GetValue(procsPerNode),
            },
            cancellationToken));
        return command;
    }

    /// <summary>Runs the jobs of <paramref name="settings"/>; returns the process exit code.</summary>
    public static async Task<int> ExecuteAsync(RunSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var (file, runsDirectory, port, terminationLog, procsPerNode) = (settings.File, settings.RunsDirectory, settings.Port, settings.TerminationLog, settings.ProcsPerNode);
        if (port is < 1 or > 65535)
        {
            throw new UsageException($"--port (or POSTTRAIN_PORT): {port} is not a TCP port (1-65535); --no-server serves nothing");
        }

        if (procsPerNode < 1)
        {
            throw new UsageException($"--nproc-per-node must be at least 1, got {procsPerNode}");
        }

        if (LocalRankLauncher.ShouldLaunch(procsPerNode, Environment.GetEnvironmentVariable))
        {
            var plan = LocalRankLauncher.Plan(procsPerNode, Environment.GetEnvironmentVariable, FreePort, port, terminationLog);
            return await LocalRankLauncher.RunAsync(LocalRankLauncher.ChildArguments(settings), plan, Console.Error).ConfigureAwait(false);
        }

        IReadOnlyList<PostTrainJob> jobs;
        try
        {
            jobs = await JobManifestLoader.LoadFileAsync(file, cancellationToken).ConfigureAwait(false);
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
            device = DeviceSelection.Choose(settings.Device, int.TryParse(Environment.GetEnvironmentVariable("LOCAL_RANK"), out var localRank) ? localRank : 0);
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

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; cts.Cancel(); });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => { ctx.Cancel = true; cts.Cancel(); });
        using var metrics = new WorkerMetrics();
        using var progress = new JobProgress(metrics, Console.Out, interactive: !Console.IsOutputRedirected);
        await using var server = settings.NoServer ? null : await WorkerHttpServer.TryStartAsync(port, Environment.GetEnvironmentVariable(ListenAddressVariable), progress, cts.Token).ConfigureAwait(false);

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
