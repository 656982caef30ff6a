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
    /// <summary>Runs the server until SIGTERM or SIGINT; returns the process exit code.</summary>
    public static async Task<int> ExecuteAsync(string[] args)
    {
        var a = CommandArguments.Parse(args, new HashSet<string>());
        var socket = a.String("socket", Environment.GetEnvironmentVariable(RemoteSandbox.SocketVariable))
            ?? throw new UsageException($"--socket PATH (or {RemoteSandbox.SocketVariable}) is required");
        var concurrency = a.Int("max-concurrency", Math.Max(1, Environment.ProcessorCount));
        var maxTimeout = a.Int("max-timeout-seconds", 3600);
        var maxMemory = a.Int("max-memory-mb", 4096);
        a.RejectUnknown();
        if (a.Positional.Count > 0)
        {
            throw new UsageException("sandbox-server takes no FILE");
        }

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
        using var cts = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; cts.Cancel(); });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => { ctx.Cancel = true; cts.Cancel(); });
        await server.RunAsync(cts.Token).ConfigureAwait(false);
        return WorkerExitCodes.Succeeded;
    }
}
