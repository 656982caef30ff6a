namespace PostTrain.Trainer.Rewards;

/// <summary>
/// Runs the model's program (from a <c>```python</c> fence when there is one) and the item's Python tests in the
/// <see cref="PythonSandbox"/>; the score is the fraction of tests passed, or all-or-nothing.
/// </summary>
public sealed class CodeReward : IRewardFunction, IDisposable
{
    private readonly PythonSandbox _sandbox;
    private readonly SemaphoreSlim _slots;

    /// <summary>Creates the reward; throws when no Python interpreter is found.</summary>
    public CodeReward(CodeRewardOptions? options = null)
    {
        Options = options ?? new CodeRewardOptions();
        _sandbox = new PythonSandbox(Options.Sandbox);
        _slots = new SemaphoreSlim(Math.Max(1, Options.MaxConcurrency));
    }

    /// <summary>The options in force.</summary>
    public CodeRewardOptions Options { get; }

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
            result = await _sandbox.RunAsync(code, tests, input.Example.TestSetupCode, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _slots.Release();
        }

        var passed = result.PassedCount;
        var score = Options.AllOrNothing ? (passed == tests.Count ? 1.0 : 0.0) : (double)passed / tests.Count;
        var why = result.TimedOut ? $"; killed after {Options.Sandbox.WallTimeout.TotalSeconds:0.#} s"
            : result.ProgramError is not null ? $"; the program raised {result.ProgramError}"
            : result.TestErrors.FirstOrDefault(e => e is not null) is { } first ? $"; first failure: {first}"
            : !result.Completed && passed < tests.Count ? $"; the interpreter exited with {result.ExitCode} before finishing" : string.Empty;
        return new RewardResult(score, $"{passed}/{tests.Count} tests passed{why}");
    }

    /// <inheritdoc />
    public void Dispose() => _slots.Dispose();
}
