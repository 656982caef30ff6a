using System.Diagnostics;

namespace PostTrain.EndToEnd.Tests;

/// <summary>The built <c>posttrain-worker</c>, run on this machine as a user runs it without a cluster.</summary>
internal static class WorkerCommand
{
    /// <summary>The build configuration of these tests (and of everything built with them).</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";

    /// <summary>The worker built beside these tests (the same one the node agent runs for the worker image).</summary>
    public static string Dll { get; } = Path.Combine(TestPaths.RepoRoot, "worker", "PostTrain.Worker", "bin", Configuration, "net10.0", "posttrain-worker.dll");

    /// <summary>Runs <c>posttrain-worker ARGS</c> in <paramref name="directory"/> and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string directory, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
