using System.Diagnostics;

namespace PostTrain.Worker.Tests;

/// <summary>Runs the real posttrain-worker executable (built next to the tests) as a child process.</summary>
internal sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;

    public WorkerProcess(string workingDirectory, string stdin, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "posttrain-worker.dll"));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        _process = Process.Start(start)!;
        _stdout = _process.StandardOutput.ReadToEndAsync();
        _stderr = _process.StandardError.ReadToEndAsync();
        _process.StandardInput.Write(stdin);
        _process.StandardInput.Close();
    }

    public int Id => _process.Id;

    public (int ExitCode, string Stdout, string Stderr) Wait(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"worker did not finish in {timeout}: {_stdout.Result}{_stderr.Result}");
        }

        return (_process.ExitCode, _stdout.Result, _stderr.Result);
    }

    public static (int ExitCode, string Stdout, string Stderr) Run(string workingDirectory, string stdin, params string[] args)
    {
        using var p = new WorkerProcess(workingDirectory, stdin, args);
        return p.Wait(TimeSpan.FromMinutes(3));
    }

    public void Dispose() => _process.Dispose();
}
