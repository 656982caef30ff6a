using System.Reflection;

namespace PostTrain.Trainer.Rewards.Sandbox;

/// <summary>The sandbox's two Python programs, embedded in this assembly (harness.py and runner.py beside this file).</summary>
internal static class SandboxScripts
{
    private static readonly Lazy<string> HarnessText = new(() => Read("harness.py"));
    private static readonly Lazy<string> RunnerText = new(() => Read("runner.py"));

    /// <summary>The trusted harness: runs outside the candidate's isolation, runs the tests and decides each verdict.</summary>
    public static string Harness => HarnessText.Value;

    /// <summary>The runner: inside the isolation, installs the seccomp filter, runs the program, answers the harness.</summary>
    public static string Runner => RunnerText.Value;

    private static string Read(string name)
    {
        using var stream = typeof(SandboxScripts).Assembly.GetManifestResourceStream($"PostTrain.Trainer.Rewards.Sandbox.{name}")
            ?? throw new InvalidOperationException($"the code sandbox's {name} is not embedded in {typeof(SandboxScripts).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
