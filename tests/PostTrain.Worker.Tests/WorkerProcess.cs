using System.Diagnostics;

namespace PostTrain.Worker.Tests;

/// <summary>Runs the real posttrain-worker executable (built next to the tests) as a child process.</summary>
internal sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _stdout = new();
    private readonly Task<string> _stderr;

    public WorkerProcess(string workingDirectory, string stdin, params string[] args)
        : this(workingDirectory, new Dictionary<string, string>(), stdin, args)
    {
    }

    public WorkerProcess(string workingDirectory, IReadOnlyDictionary<string, string> environment, string stdin, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "posttrain-worker.dll"));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stdout)
                {
                    _stdout.AppendLine(e.Data);
                }
            }
        };
        _process.BeginOutputReadLine();
        _stderr = _process.StandardError.ReadToEndAsync();
        _process.StandardInput.Write(stdin);
        _process.StandardInput.Close();
    }

    public int Id => _process.Id;

    /// <summary>What the worker has printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    /// <summary>Waits until the output contains <paramref name="text"/>; false on timeout or exit.</summary>
    public bool WaitForOutput(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            if (Output.Contains(text, StringComparison.Ordinal))
            {
                return true;
            }

            Thread.Sleep(100);
        }

        return Output.Contains(text, StringComparison.Ordinal);
    }

    public (int ExitCode, string Stdout, string Stderr) Wait(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"worker did not finish in {timeout}: {Output}");
        }

        _process.WaitForExit(); // drains the asynchronous stdout reader
        return (_process.ExitCode, Output, _stderr.Result);
    }

    public static (int ExitCode, string Stdout, string Stderr) Run(string workingDirectory, string stdin, params string[] args)
    {
        using var p = new WorkerProcess(workingDirectory, stdin, args);
        return p.Wait(TimeSpan.FromMinutes(3));
    }

    public static (int ExitCode, string Stdout, string Stderr) Run(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        using var p = new WorkerProcess(workingDirectory, environment, string.Empty, args);
        return p.Wait(TimeSpan.FromMinutes(4));
    }

    /// <summary>Kills a worker still running (a test that failed before stopping it) and releases the process.</summary>
    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }
        }
        catch (InvalidOperationException)
        {
            // the process exited between the check and the kill
        }

        _process.Dispose();
    }
}
