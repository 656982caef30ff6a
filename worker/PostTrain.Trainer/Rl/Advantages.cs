using PostTrain.Api.Rlvr;

namespace PostTrain.Trainer.Rl;

/// <summary>Group-relative advantages: pure functions over the rewards of the samples drawn for one prompt.</summary>
public static class Advantages
{
    /// <summary>Added to the group std before dividing (verl's epsilon).</summary>
    public const double Epsilon = 1e-6;

    /// <summary>Advantages of one group's rewards. A group of one sample has no baseline and gets advantage 0.</summary>
    public static double[] Compute(AdvantageEstimator estimator, IReadOnlyList<double> rewards)
    {
        ArgumentNullException.ThrowIfNull(rewards);
        var n = rewards.Count;
        if (n <= 1)
        {
            return new double[n];
        }

        var mean = rewards.Average();
        var centred = rewards.Select(r => r - mean).ToArray();
        switch (estimator)
        {
            case AdvantageEstimator.Grpo:
                var std = Math.Sqrt(centred.Sum(c => c * c) / (n - 1));
                return [.. centred.Select(c => c / (std + Epsilon))];
            case AdvantageEstimator.Rloo:
                return [.. centred.Select(c => c * n / (n - 1))];
            case AdvantageEstimator.GrpoNoStd:
            case AdvantageEstimator.DrGrpo:
                return centred;
            default:
                throw new ArgumentOutOfRangeException(nameof(estimator), estimator, "unknown advantage estimator");
        }
    }

    /// <summary>
    /// Multiplies the negative advantages by <paramref name="scale"/> (in [0, 1]) and leaves the others: 1 keeps the
    /// estimator as it is, 0 keeps only the push towards better-than-average samples. Returns a new array.
    /// </summary>
    public static double[] ScaleNegatives(IReadOnlyList<double> advantages, double scale)
    {
        ArgumentNullException.ThrowIfNull(advantages);
        if (scale is < 0 or > 1 || double.IsNaN(scale))
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "the negative-advantage scale must be in [0, 1]");
        }

        return [.. advantages.Select(a => a < 0 ? a * scale : a)];
    }

    /// <summary>Advantages for consecutive groups of <paramref name="groupSize"/> rewards.</summary>
    public static double[] ComputeGrouped(AdvantageEstimator estimator, IReadOnlyList<double> rewards, int groupSize)
    {
        ArgumentNullException.ThrowIfNull(rewards);
        if (groupSize <= 0 || rewards.Count % groupSize != 0)
        {
            throw new ArgumentException($"{rewards.Count} rewards do not split into groups of {groupSize}", nameof(groupSize));
        }

        return [.. rewards.Chunk(groupSize).SelectMany(g => Compute(estimator, g))];
    }

    /// <summary>True when every reward of the group is the same: its advantages are all zero and it teaches nothing.</summary>
    public static bool IsDegenerate(IReadOnlyList<double> groupRewards)
    {
        ArgumentNullException.ThrowIfNull(groupRewards);
        return groupRewards.Count == 0 || groupRewards.All(r => r == groupRewards[0]);
    }
}
