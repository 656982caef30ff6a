using System.CommandLine;
using System.Runtime.InteropServices;

namespace PostTrain.Kube.Testing;

/// <summary>
/// The test API server on its own, for kubectl, helm and curl (docs/kube.md, "Standalone"):
/// <c>PostTrain.Kube.Testing [--port N] [--kubeconfig PATH]</c> serves it on 127.0.0.1:N and writes a kubeconfig for
/// it. Ctrl+C or SIGTERM stops it.
/// </summary>
public static class StandaloneCommand
{
    /// <summary>The root command; <paramref name="serve"/> runs the server with a port and an optional kubeconfig path.</summary>
    public static RootCommand Create(Func<int, string?, CancellationToken, Task<int>> serve)
    {
        ArgumentNullException.ThrowIfNull(serve);
        var port = new Option<int>("--port") { Description = "The port on 127.0.0.1 to serve on (0: any free one).", DefaultValueFactory = _ => 8001 };
        port.Validators.Add(result =>
        {
            // Only a value that parsed as a number; System.CommandLine reports one that did not.
            if (result.Tokens is [var token] && int.TryParse(token.Value, out var value) && value is < 0 or > 65535)
            {
                result.AddError($"--port: {value} is not a TCP port");
            }
        });
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "Write a kubeconfig for the server to this path (kubectl and helm read it)." };
        var root = new RootCommand("The PostTrain test API server on its own: kube-apiserver's semantics in one process, for kubectl, helm and curl.")
        {
            port, kubeconfig,
        };
        root.HelpName = "PostTrain.Kube.Testing";
        root.SetAction((parse, cancellationToken) => serve(parse.GetValue(port), parse.GetValue(kubeconfig), cancellationToken));
        return root;
    }

    /// <summary>Parses <paramref name="args"/> and serves until Ctrl+C or SIGTERM; returns the process exit code.</summary>
    public static Task<int> RunAsync(string[] args) =>
        Create(ServeAsync).Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });

    /// <summary>The kubeconfig of a server at <paramref name="server"/> (any bearer token is accepted).</summary>
    public static string Kubeconfig(Uri server)
    {
        ArgumentNullException.ThrowIfNull(server);
        return $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: posttrain-test
              cluster:
                server: {server.ToString().TrimEnd('/')}
            users:
            - name: admin
              user:
                token: any
            contexts:
            - name: posttrain-test
              context:
                cluster: posttrain-test
                user: admin
            current-context: posttrain-test
            """;
    }

    private static async Task<int> ServeAsync(int port, string? kubeconfig, CancellationToken cancellationToken)
    {
        await using var server = await TestApiServer.StartAsync(new TestApiServerOptions { Port = port }).ConfigureAwait(false);
        if (kubeconfig is not null)
        {
            await File.WriteAllTextAsync(kubeconfig, Kubeconfig(server.BaseAddress), cancellationToken).ConfigureAwait(false);
        }

        Console.WriteLine($"test API server listening on {server.BaseAddress}{(kubeconfig is null ? "" : $"; kubeconfig written to {kubeconfig}")} (Ctrl+C to stop)");
        var done = new TaskCompletionSource();
        void Stop(PosixSignalContext signal)
        {
            signal.Cancel = true;
            done.TrySetResult();
        }

        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        return 0;
    }
}
