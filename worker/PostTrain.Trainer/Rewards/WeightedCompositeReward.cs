namespace PostTrain.Trainer.Rewards;

/// <summary>
/// Σ wᵢ·sᵢ over its scoring parts; with <c>normalize</c>, divided by Σ|wᵢ| so that parts scoring in [0, 1] with
/// positive weights give a score in [0, 1]. Gate parts (<see cref="WeightedReward.Gate"/>) add nothing: the score is 0
/// when any gate scores below 1 (e.g. a final answer counts only when every equation shown is right). The parts run
/// one after another; each part's score is reported in <see cref="RewardResult.Components"/> by name.
/// </summary>
public sealed class WeightedCompositeReward : IRewardFunction
{
    private readonly IReadOnlyList<WeightedReward> _parts;
    private readonly double _totalWeight;

    /// <summary>Creates the composite; names must be unique and weights finite, with a non-zero total when normalising.</summary>
    public WeightedCompositeReward(IReadOnlyList<WeightedReward> parts, bool normalize = false, string name = "composite")
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0)
        {
            throw new ArgumentException("a composite reward needs at least one part", nameof(parts));
        }

        if (parts.Any(p => !double.IsFinite(p.Weight)))
        {
            throw new ArgumentException("composite reward weights must be finite numbers", nameof(parts));
        }

        var duplicate = parts.GroupBy(p => p.Reward.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"composite reward has two parts named '{duplicate.Key}'; give them distinct names", nameof(parts));
        }

        if (parts.All(p => p.Gate))
        {
            throw new ArgumentException("a composite reward needs at least one part that is not a gate", nameof(parts));
        }

        var total = parts.Where(p => !p.Gate).Sum(p => Math.Abs(p.Weight));
        if (normalize && total == 0)
        {
            throw new ArgumentException("a normalised composite reward needs a non-zero total weight", nameof(parts));
        }

        _parts = parts;
        _totalWeight = total;
        Normalize = normalize;
        Name = name;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>Whether the sum is divided by the total absolute weight.</summary>
    public bool Normalize { get; }

    /// <inheritdoc />
    public async ValueTask<RewardResult> ScoreAsync(RewardInput input, CancellationToken cancellationToken)
    {
        var components = new Dictionary<string, double>(StringComparer.Ordinal);
        var sum = 0.0;
        var why = new Dictionary<string, string?>(StringComparer.Ordinal);
        var failed = false;
        var closed = false;
        foreach (var part in _parts)
        {
            var result = await part.Reward.ScoreAsync(input, cancellationToken).ConfigureAwait(false);
            components[part.Reward.Name] = result.Score;
            why[part.Reward.Name] = result.Details;
            failed |= result.Failed;
            if (part.Gate)
            {
                closed |= !Opens(result.Score);
            }
            else
            {
                sum += part.Weight * result.Score;
            }
        }

        var score = closed ? 0 : Normalize ? sum / _totalWeight : sum;
        var details = string.Join(", ", _parts.Select(p => Describe(p, components[p.Reward.Name], why[p.Reward.Name])));
        return new RewardResult(score, details) { Components = components, Failed = failed };
    }

    /// <summary>A gate is open at a score of 1 (within rounding).</summary>
    private static bool Opens(double score) => score >= 1 - 1e-9;

    /// <summary>One part: its score and weight (or gate state), then its own details (say, which test failed) in brackets.</summary>
    private static string Describe(WeightedReward part, double score, string? details)
    {
        var own = string.IsNullOrEmpty(details) ? string.Empty : $" [{details}]";
        return part.Gate
            ? $"{part.Reward.Name}={score:0.###} (gate{(Opens(score) ? string.Empty : ", closed")}){own}"
            : $"{part.Reward.Name}={score:0.###}×{part.Weight:0.###}{own}";
    }
}
