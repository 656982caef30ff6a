using PostTrain.Trainer.Data;

namespace PostTrain.Trainer.Rewards;

/// <summary>
/// 1 when the completion's final answer equals the item's reference answer as a number (see <see cref="NumericAnswer"/>),
/// else 0. The reference is <see cref="Example.ReferenceAnswer"/>, or the text after <c>####</c> in <see cref="Example.Completion"/>.
/// </summary>
public sealed class MathReward : IRewardFunction
{
    /// <summary>Creates the reward.</summary>
    /// <param name="mode">How the completion's answer is found.</param>
    /// <param name="name">The name in metrics and composites.</param>
    public MathReward(AnswerExtractionMode mode = AnswerExtractionMode.Strict, string name = "math")
    {
        Mode = mode;
        Name = name;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>How the completion's answer is found.</summary>
    public AnswerExtractionMode Mode { get; }

    /// <inheritdoc />
    public ValueTask<RewardResult> ScoreAsync(RewardInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var reference = input.Example.ReferenceAnswer ?? (input.Example.Completion is { } c ? ExampleParser.FinalAnswerAfterHashes(c) : null);
        if (reference is null)
        {
            throw new InvalidOperationException($"item '{input.Example.Id}' has no reference answer for the math reward");
        }

        if (!NumericAnswer.TryParse(reference, out var expected))
        {
            throw new InvalidOperationException($"item '{input.Example.Id}': reference answer '{reference}' is not a number");
        }

        var extracted = AnswerExtraction.Extract(input.Completion, Mode);
        if (extracted is null)
        {
            return ValueTask.FromResult(new RewardResult(0, $"no answer found ({Mode}); expected {reference}"));
        }

        var correct = NumericAnswer.TryParse(extracted, out var actual) && actual == expected;
        return ValueTask.FromResult(new RewardResult(correct ? 1 : 0, $"answer '{extracted}', expected '{reference}'"));
    }
}
