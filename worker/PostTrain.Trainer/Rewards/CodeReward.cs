using PostTrain.Trainer.Rewards.Sandbox;

namespace PostTrain.Trainer.Rewards;

/// <summary>
/// Runs the model's program (from a <c>```python</c> fence when there is one) and the item's Python tests in a code
/// sandbox; the score is the fraction of tests passed, or all-or-nothing. A sandbox that fails to start throws (a
/// <see cref="SafeReward"/> then scores 0 and counts a failure) rather than scoring the program 0 in silence.
/// </summary>
public sealed class CodeReward : IRewardFunction, IDisposable
{
    private readonly SemaphoreSlim _slots;

    /// <summary>
    /// Creates the reward over <paramref name="sandbox"/>, or over a local <see cref="PythonSandbox"/> with
    /// <see cref="CodeRewardOptions.Sandbox"/> (which throws when no Python is found, or no isolation is available and
    /// unisolated code is not allowed).
    /// </summary>
    public CodeReward(CodeRewardOptions? options = null, ICodeSandbox? sandbox = null)
    {
        Options = options ?? new CodeRewardOptions();
        Sandbox = sandbox ?? new PythonSandbox(Options.Sandbox);
        _slots = new SemaphoreSlim(Math.Max(1, Options.MaxConcurrency));
    }

    /// <summary>The options in force.</summary>
    public CodeRewardOptions Options { get; }

    /// <summary>The sandbox the code runs in.</summary>
    public ICodeSandbox Sandbox { get; }

    /// <inheritdoc />
    public string Name => Options.Name;

    /// <inheritdoc />
    public async ValueTask<RewardResult> ScoreAsync(RewardInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var tests = input.Example.Tests;
        if (tests is null || tests.Count == 0)
        {
            throw new InvalidOperationException($"item '{input.Example.Id}' has no tests for the code reward");
        }

        var code = CodeExtraction.Extract(input.Completion);
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        SandboxResult result;
        try
        {
            result = await Sandbox.RunAsync(code, tests, input.Example.TestSetupCode, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _slots.Release();
        }

        if (result.SandboxError is { } broken)
        {
            throw new InvalidOperationException($"the code sandbox failed: {broken}{(result.Output.Length > 0 ? $" ({result.Output.Trim()})" : string.Empty)}");
        }

        var passed = result.PassedCount;
        var score = Options.AllOrNothing ? (passed == tests.Count ? 1.0 : 0.0) : (double)passed / tests.Count;
        var why = result.TimedOut ? $"; killed after {Options.Sandbox.WallTimeout.TotalSeconds:0.#} s"
            : result.ProgramError is not null ? $"; the program raised {result.ProgramError}"
            : result.TestErrors.FirstOrDefault(e => e is not null) is { } first ? $"; first failure: {first}"
            : !result.Completed && passed < tests.Count ? $"; the harness exited with {result.ExitCode} before finishing" : string.Empty;
        return new RewardResult(score, $"{passed}/{tests.Count} tests passed{why}");
    }

    /// <inheritdoc />
    public void Dispose() => _slots.Dispose();
}
