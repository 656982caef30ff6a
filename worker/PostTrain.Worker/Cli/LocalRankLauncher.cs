using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace PostTrain.Worker.Cli;

/// <summary>
/// torchrun's local agent, small: with <c>--nproc-per-node N</c> (or <c>POSTTRAIN_NPROC_PER_NODE</c>, which the operator
/// sets to a pod's GPU count) <c>posttrain-worker run</c> starts N copies of itself, one per GPU, with the variables
/// PyTorch users expect: <c>LOCAL_RANK</c>, <c>RANK = NODE_RANK × N + LOCAL_RANK</c>, <c>WORLD_SIZE = NNODES × N</c>,
/// <c>LOCAL_WORLD_SIZE</c>, <c>MASTER_ADDR</c> and <c>MASTER_PORT</c>. It forwards SIGTERM and SIGINT to every rank;
/// when one rank fails, it stops the others (they would wait in a collective), as torchrun does. Rank r serves
/// /metrics and /status on the base port + r, and only rank 0 writes the pod's termination message.
/// </summary>
public static class LocalRankLauncher
{
    /// <summary>The environment variable giving the processes per node.</summary>
    public const string ProcsPerNodeVariable = "POSTTRAIN_NPROC_PER_NODE";

    /// <summary>Seconds the other ranks get to stop after one failed, before they are killed.</summary>
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(30);

    private const int SIGTERM = 15;

    /// <summary>True when this process should start ranks rather than run jobs: several per node and no LOCAL_RANK yet.</summary>
    public static bool ShouldLaunch(int procsPerNode, Func<string, string?> getEnv)
    {
        ArgumentNullException.ThrowIfNull(getEnv);
        return procsPerNode > 1 && string.IsNullOrEmpty(getEnv("LOCAL_RANK"));
    }

    /// <summary>
    /// The environment of each local rank. <paramref name="masterPort"/> gives a port when neither MASTER_PORT nor a
    /// multi-node setting names one; <paramref name="terminationLog"/> goes to rank 0 only.
    /// </summary>
    public static IReadOnlyList<Dictionary<string, string>> Plan(int procsPerNode, Func<string, string?> getEnv, Func<int> masterPort, int metricsPort, string? terminationLog)
    {
        ArgumentNullException.ThrowIfNull(getEnv);
        ArgumentNullException.ThrowIfNull(masterPort);
        ArgumentOutOfRangeException.ThrowIfLessThan(procsPerNode, 1);
        var nodes = Int(getEnv, "NNODES", 1);
        var node = Int(getEnv, "NODE_RANK", 0);
        if (nodes < 1 || node < 0 || node >= nodes)
        {
            throw new UsageException($"NODE_RANK={node} must be in 0..NNODES-1 (NNODES={nodes})");
        }

        var address = getEnv("MASTER_ADDR") is { Length: > 0 } a ? a : "127.0.0.1";
        var port = getEnv("MASTER_PORT") is { Length: > 0 } p ? p : (nodes == 1 ? masterPort() : 29500).ToString(CultureInfo.InvariantCulture);
        // libtorch uses every core per process by default; N ranks on one machine share them (torchrun sets 1).
        var threads = getEnv("OMP_NUM_THREADS") is { Length: > 0 } t ? t : Math.Max(1, Environment.ProcessorCount / procsPerNode).ToString(CultureInfo.InvariantCulture);
        return [.. Enumerable.Range(0, procsPerNode).Select(local => new Dictionary<string, string>
        {
            ["LOCAL_RANK"] = Text(local),
            ["RANK"] = Text((node * procsPerNode) + local),
            ["WORLD_SIZE"] = Text(nodes * procsPerNode),
            ["LOCAL_WORLD_SIZE"] = Text(procsPerNode),
            ["NODE_RANK"] = Text(node),
            ["NNODES"] = Text(nodes),
            ["MASTER_ADDR"] = address,
            ["MASTER_PORT"] = port,
            ["OMP_NUM_THREADS"] = threads,
            ["POSTTRAIN_PORT"] = Text(metricsPort + local),
            ["POSTTRAIN_TERMINATION_LOG"] = local == 0 ? terminationLog ?? string.Empty : string.Empty,
        })];
    }

    /// <summary>
    /// Starts the ranks with <paramref name="childArgs"/> and waits for them. The exit code is the ranks': 0 when all
    /// succeeded, 143 when they were preempted, otherwise the first failing rank's code (2 or 3 kept, so that the
    /// operator's pod failure policy sees them).
    /// </summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> childArgs, IReadOnlyList<Dictionary<string, string>> plan, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(childArgs);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(log);
        var processes = new List<Process>();
        var stopping = 0;
        void StopAll()
        {
            if (Interlocked.Exchange(ref stopping, 1) == 0)
            {
                foreach (var p in processes.Where(p => !p.HasExited))
                {
                    _ = kill(p.Id, SIGTERM);
                }
            }
        }

        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; StopAll(); });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => { ctx.Cancel = true; StopAll(); });
        try
        {
            foreach (var environment in plan)
            {
                var start = SelfStartInfo(childArgs);
                foreach (var (key, value) in environment)
                {
                    start.Environment[key] = value;
                }

                processes.Add(Process.Start(start) ?? throw new InvalidOperationException("could not start a rank"));
            }

            log.WriteLine($"posttrain-worker: started {plan.Count} local ranks (RANK {plan[0]["RANK"]}..{plan[^1]["RANK"]} of {plan[0]["WORLD_SIZE"]}, MASTER {plan[0]["MASTER_ADDR"]}:{plan[0]["MASTER_PORT"]})");
            var codes = new int?[processes.Count];
            var pending = processes.Select((p, i) => (Task: p.WaitForExitAsync(), Index: i)).ToList();
            using var grace = new CancellationTokenSource();
            while (pending.Count > 0)
            {
                var done = await Task.WhenAny(pending.Select(x => x.Task)).ConfigureAwait(false);
                var finished = pending.First(x => x.Task == done);
                pending.Remove(finished);
                var code = processes[finished.Index].ExitCode;
                codes[finished.Index] = code;
                if (code != WorkerExitCodes.Succeeded && Volatile.Read(ref stopping) == 0)
                {
                    log.WriteLine($"posttrain-worker: local rank {finished.Index} exited with {code}; stopping the other ranks");
                    StopAll();
                    _ = KillAfterGraceAsync(processes, grace.Token);
                }
            }

            await grace.CancelAsync().ConfigureAwait(false);
            return Combine(codes.Select(c => c ?? WorkerExitCodes.Failed).ToList());
        }
        finally
        {
            foreach (var p in processes)
            {
                if (!p.HasExited)
                {
                    p.Kill(entireProcessTree: true);
                }

                p.Dispose();
            }
        }
    }

    /// <summary>One exit code for the pod from the ranks' codes (see <see cref="RunAsync"/>).</summary>
    public static int Combine(IReadOnlyList<int> codes)
    {
        ArgumentNullException.ThrowIfNull(codes);
        if (codes.All(c => c == WorkerExitCodes.Succeeded))
        {
            return WorkerExitCodes.Succeeded;
        }

        foreach (var decisive in new[] { WorkerExitCodes.InvalidInput, WorkerExitCodes.InvalidEnvironment })
        {
            if (codes.Contains(decisive))
            {
                return decisive;
            }
        }

        return codes.All(c => c is WorkerExitCodes.Preempted or WorkerExitCodes.Succeeded) ? WorkerExitCodes.Preempted
            : codes.First(c => c is not (WorkerExitCodes.Succeeded or WorkerExitCodes.Preempted));
    }

    /// <summary>
    /// The command line each rank runs: <c>run</c> with the launcher's own file, runs directory, server and device
    /// settings, but not the options the launcher resolves per rank (the ranks, ports and termination log come in the
    /// environment of <see cref="Plan"/>).
    /// </summary>
    public static IReadOnlyList<string> ChildArguments(RunSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var result = new List<string> { "run", settings.File, "--runs-dir", settings.RunsDirectory };
        if (settings.NoServer)
        {
            result.Add("--no-server");
        }

        if (settings.Device is { Length: > 0 } device)
        {
            result.AddRange(["--device", device]);
        }

        return result;
    }

    private static async Task KillAfterGraceAsync(List<Process> processes, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(StopGrace, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        foreach (var p in processes.Where(p => !p.HasExited))
        {
            p.Kill(entireProcessTree: true);
        }
    }

    /// <summary>This executable again: the app host itself, or <c>dotnet posttrain-worker.dll</c>.</summary>
    private static ProcessStartInfo SelfStartInfo(IReadOnlyList<string> args)
    {
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell which executable to start");
        var start = new ProcessStartInfo(host) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, AppDomain.CurrentDomain.FriendlyName + ".dll"));
        }

        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        return start;
    }

    private static int Int(Func<string, string?> getEnv, string name, int fallback)
    {
        var value = getEnv(name);
        if (string.IsNullOrEmpty(value))
        {
            return fallback;
        }

        return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : throw new UsageException($"{name}='{value}' is not an integer");
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
