using System.Diagnostics;

namespace PostTrain.Metrics.Tests;

/// <summary>Runs a command with input on stdin and a time limit, capturing its output.</summary>
internal static class ExternalProcess
{
    public static async Task<(int ExitCode, string Output)> RunAsync(string fileName, string arguments, string stdin, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(fileName, arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {fileName}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {arguments} did not finish in {timeout}");
        }

        return (process.ExitCode, (await stdout) + (await stderr));
    }
}
