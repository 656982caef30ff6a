namespace PostTrain.Trainer.Rewards;

/// <summary>A reward's score and why.</summary>
/// <param name="Score">The reward, usually in [0, 1].</param>
/// <param name="Details">A short human-readable explanation (extracted answer, tests passed, error).</param>
public sealed record RewardResult(double Score, string? Details = null)
{
    /// <summary>Scores of the parts of a composite reward, by name; null for simple rewards.</summary>
    public IReadOnlyDictionary<string, double>? Components { get; init; }

    /// <summary>True when the reward could not be computed and <see cref="Score"/> is a fallback (see <see cref="SafeReward"/>).</summary>
    public bool Failed { get; init; }
}
