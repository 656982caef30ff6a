using System.Diagnostics;

namespace PostTrain.Shipping.Tests;

/// <summary>The outcome of running an external tool.</summary>
public sealed record ToolResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Throws with the tool's own output unless it exited 0.</summary>
    public ToolResult EnsureSuccess(string what) =>
        ExitCode == 0 ? this : throw new InvalidOperationException($"{what} exited {ExitCode}:\n{StandardError}\n{StandardOutput}");
}

/// <summary>Runs an external tool (helm, promtool) in the repository root with a timeout, killing it when it overruns.</summary>
public static class ToolProcess
{
    /// <summary>
    /// Runs <paramref name="executable"/> with <paramref name="arguments"/>; <paramref name="environment"/> entries set or (null)
    /// remove variables; <paramref name="standardInput"/>, when given, is written to the tool's stdin, which is then closed.
    /// </summary>
    public static async Task<ToolResult> RunAsync(string executable, IEnumerable<string> arguments, TimeSpan timeout, IReadOnlyDictionary<string, string?>? environment = null, string? standardInput = null)
    {
        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = TestPaths.RepoRoot,
            RedirectStandardInput = standardInput is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {executable}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput);
            process.StandardInput.Close();
        }

        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(executable)} {string.Join(' ', start.ArgumentList)} did not finish within {timeout.TotalSeconds} s");
        }

        return new ToolResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>The first of <paramref name="candidates"/> that exists, else <paramref name="name"/> on PATH, else null.</summary>
    public static string? Find(string name, params string[] candidates)
    {
        foreach (var candidate in candidates.Concat((Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Select(d => Path.Combine(d, name))))
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
