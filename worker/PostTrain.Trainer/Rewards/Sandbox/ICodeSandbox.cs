namespace PostTrain.Trainer.Rewards.Sandbox;

/// <summary>Runs a model's Python program against an item's tests, isolated from the worker; thread-safe.</summary>
public interface ICodeSandbox
{
    /// <summary>One line saying what isolates the code (logged once per job).</summary>
    string Isolation { get; }

    /// <summary>Runs <paramref name="code"/> (after <paramref name="setupCode"/>), then each of <paramref name="tests"/>, and reports which passed.</summary>
    Task<SandboxResult> RunAsync(string code, IReadOnlyList<string> tests, string? setupCode, CancellationToken cancellationToken);
}
