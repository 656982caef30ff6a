using System.Diagnostics;

namespace PostTrain.Kube.Tests;

/// <summary>The outcome of one kubectl run.</summary>
public sealed record KubectlResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Throws with kubectl's own output unless it exited 0.</summary>
    public KubectlResult EnsureSuccess() =>
        ExitCode == 0 ? this : throw new InvalidOperationException($"kubectl exited {ExitCode}:\n{StandardError}\n{StandardOutput}");
}

/// <summary>
/// Runs the real kubectl 1.34 binary against a test API server, with a kubeconfig and a cache of its own.
/// kubectl is found through $KUBECTL, else tools/bin/kubectl in the repository (`make deps`), else /tmp/kubectl134.
/// </summary>
public sealed class Kubectl : IDisposable
{
    private static readonly Lazy<string> Binary = new(Locate);
    private readonly TempDirectory _directory = new("kubectl-");
    private readonly string _kubeconfig;

    /// <summary>Writes a kubeconfig for <paramref name="server"/> (any bearer token, namespace default).</summary>
    public Kubectl(Uri server)
    {
        _kubeconfig = Path.Combine(_directory.Path, "config");
        File.WriteAllText(_kubeconfig, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: test
              cluster:
                server: {server.ToString().TrimEnd('/')}
            users:
            - name: test
              user:
                token: test-token
            contexts:
            - name: test
              context:
                cluster: test
                user: test
                namespace: default
            current-context: test
            """);
    }

    /// <summary>The kubectl binary (throws when there is none).</summary>
    public static string Executable => Binary.Value;

    /// <summary>Writes <paramref name="yaml"/> to a file in the scratch folder and returns its path.</summary>
    public string WriteManifest(string name, string yaml)
    {
        var path = Path.Combine(_directory.Path, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    /// <summary>Runs kubectl with <paramref name="arguments"/> (after --kubeconfig and --cache-dir).</summary>
    public async Task<KubectlResult> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(Executable)
        {
            WorkingDirectory = TestPaths.RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--kubeconfig=" + _kubeconfig);
        start.ArgumentList.Add("--cache-dir=" + Path.Combine(_directory.Path, "cache"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Remove("KUBECONFIG");
        start.Environment["HOME"] = _directory.Path;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {Executable}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubectl {string.Join(' ', arguments)} did not finish within 60 s");
        }

        return new KubectlResult(process.ExitCode, await stdout, await stderr);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        try
        {
            _directory.Dispose();
        }
        catch (IOException)
        {
        }
    }

    private static string Locate()
    {
        var candidates = new[]
        {
            Environment.GetEnvironmentVariable("KUBECTL"),
            Path.Combine(TestPaths.RepoRoot, "tools", "bin", "kubectl"),
            "/tmp/kubectl134",
        };
        return candidates.FirstOrDefault(c => !string.IsNullOrEmpty(c) && File.Exists(c))
            ?? throw new FileNotFoundException("kubectl 1.34 is missing: set KUBECTL to its path or run `make deps` (tools/bin/kubectl)");
    }
}
