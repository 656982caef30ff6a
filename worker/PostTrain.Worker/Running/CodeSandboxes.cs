using PostTrain.Trainer.Rewards.Sandbox;

namespace PostTrain.Worker.Running;

/// <summary>
/// Where the worker's code rewards run: on the sandbox server named by <see cref="RemoteSandbox.SocketVariable"/> (in
/// the cluster, the pod's sandbox sidecar, which the operator renders for every job whose rewards run code), otherwise
/// in a <see cref="PythonSandbox"/> on this machine, isolated as well as it allows or refused (docs/data-and-rewards.md,
/// "The code sandbox").
/// </summary>
public static class CodeSandboxes
{
    /// <summary>The sandbox for a code reward with <paramref name="options"/>.</summary>
    /// <exception cref="SandboxUnavailableException">No sidecar, no isolation here, and unisolated code is not allowed.</exception>
    public static ICodeSandbox Create(PythonSandboxOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var socket = Environment.GetEnvironmentVariable(RemoteSandbox.SocketVariable);
        return string.IsNullOrEmpty(socket) ? new PythonSandbox(options) : new RemoteSandbox(socket, options);
    }

    /// <summary>
    /// Says once per sandbox what isolates the code, after waiting for a sandbox server to answer (a sidecar starts
    /// alongside the worker), so that a missing or broken sidecar fails the job before the first step.
    /// </summary>
    public static async Task DescribeAsync(IEnumerable<ICodeSandbox> sandboxes, Action<string> log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sandboxes);
        ArgumentNullException.ThrowIfNull(log);
        foreach (var sandbox in sandboxes)
        {
            if (sandbox is RemoteSandbox remote)
            {
                await remote.HelloAsync(cancellationToken).ConfigureAwait(false);
            }

            log($"code sandbox: {sandbox.Isolation}");
        }
    }
}
