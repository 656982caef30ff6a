using System.Diagnostics;

namespace PostTrain.Trainer.Tests.Models;

/// <summary>Runs one of the independent python3-torch scripts beside these tests (the oracles), failing with its stderr.</summary>
internal static class PythonOracle
{
    public const string Python = "/usr/bin/python3";

    public static void Run(string script, params string[] args)
    {
        File.Exists(Python).ShouldBeTrue($"{Python} (python3-torch) is the oracle for this test; run `make deps`");
        var start = new ProcessStartInfo(Python) { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(Path.Combine(TestPaths.RepoRoot, "tests", "PostTrain.Trainer.Tests", "Models", script));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit(120_000).ShouldBeTrue($"{script} timed out");
        process.ExitCode.ShouldBe(0, stderr.Result + stdout.Result);
    }
}
