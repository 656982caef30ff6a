using System.CommandLine;
using System.Runtime.InteropServices;
using PostTrain.Trainer.Rewards.Sandbox;

namespace PostTrain.Worker.Cli;

/// <summary>
/// <c>posttrain-worker sandbox-server --socket PATH</c>: serves code-reward runs on a Unix socket. In the cluster it is
/// the command of the worker pod's sandbox sidecar (its own uid, no secrets, read-only root, no service-account token),
/// and the worker reaches it through <see cref="RemoteSandbox.SocketVariable"/>.
/// </summary>
public static class SandboxServerCommand
{
    /// <summary>The <c>sandbox-server</c> command.</summary>
    public static Command Create()
    {
        var socket = new Option<string?>("--socket")
        {
            Description = "The Unix socket to serve on ($" + RemoteSandbox.SocketVariable + ", which also tells the worker to use it).",
            HelpName = "PATH",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable(RemoteSandbox.SocketVariable),
        };
        var concurrency = new Option<int>("--max-concurrency")
        {
            Description = "Runs at once (default: the processor count).",
            HelpName = "N",
            DefaultValueFactory = _ => Math.Max(1, Environment.ProcessorCount),
        };
        var maxTimeout = new Option<int>("--max-timeout-seconds") { Description = "The most seconds a run may ask for.", HelpName = "S", DefaultValueFactory = _ => 3600 };
        var maxMemory = new Option<int>("--max-memory-mb") { Description = "The most MiB a run may ask for.", HelpName = "M", DefaultValueFactory = _ => 4096 };
        var command = new Command("sandbox-server", "Serve code-reward runs on a Unix socket (the cluster's sandbox sidecar).")
        {
            socket, concurrency, maxTimeout, maxMemory,
        };
        command.SetAction((parse, cancellationToken) => ExecuteAsync(
            parse.GetValue(socket) ?? throw new UsageException($"--socket PATH (or {RemoteSandbox.SocketVariable}) is required"),
            parse.GetValue(concurrency),
            parse.GetValue(maxTimeout),
            parse.GetValue(maxMemory),
            cancellationToken));
        return command;
    }

    /// <summary>Runs the server until SIGTERM, SIGINT or <paramref name="cancellationToken"/>; returns the process exit code.</summary>
    public static async Task<int> ExecuteAsync(string socket, int concurrency, int maxTimeout, int maxMemory, CancellationToken cancellationToken)
    {
        if (concurrency < 1)
        {
            throw new UsageException($"--max-concurrency must be at least 1, got {concurrency}");
        }

        if (maxTimeout < 1 || maxMemory < 16)
        {
            throw new UsageException($"--max-timeout-seconds must be at least 1 and --max-memory-mb at least 16, got {maxTimeout} and {maxMemory}");
        }

        // The highest limits a run may ask for; each run asks for its reward's own (a code reward's timeoutSeconds and memoryMb).
        var ceiling = new PythonSandboxOptions { WallTimeout = TimeSpan.FromSeconds(maxTimeout), CpuSeconds = maxTimeout, MemoryBytes = (long)maxMemory << 20 };
        var server = new SandboxServer(socket, ceiling, concurrency, Console.Error.WriteLine);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; cts.Cancel(); });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => { ctx.Cancel = true; cts.Cancel(); });
        await server.RunAsync(cts.Token).ConfigureAwait(false);
        return WorkerExitCodes.Succeeded;
    }
}
