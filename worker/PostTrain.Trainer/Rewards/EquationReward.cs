using System.Globalization;
using System.Text.RegularExpressions;

namespace PostTrain.Trainer.Rewards;

/// <summary>
/// A step verifier for worked arithmetic: the fraction of the completion's binary equations (<c>a op b = c</c> with
/// op one of + − * / x ×, one per line, or GSM8K's calculator annotations <c>&lt;&lt;a op b=c&gt;&gt;</c>) whose result is
/// right; 0 when the completion has none. It needs no reference solution, only arithmetic, so it scores problems that
/// come with a final answer alone. On its own it can be satisfied by true but irrelevant equations: weight it below the
/// final-answer reward in a composite.
/// </summary>
public sealed partial class EquationReward : IRewardFunction
{
    /// <summary>Creates the reward.</summary>
    /// <param name="name">The name in metrics and composites.</param>
    public EquationReward(string name = "equations") => Name = name;

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public ValueTask<RewardResult> ScoreAsync(RewardInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var (right, total) = Check(input.Completion);
        return ValueTask.FromResult(total == 0
            ? new RewardResult(0, "no equation")
            : new RewardResult(right / (double)total, $"{right} of {total} equations right"));
    }

    /// <summary>How many of <paramref name="completion"/>'s equations are right, of how many.</summary>
    public static (int Right, int Total) Check(string completion)
    {
        ArgumentNullException.ThrowIfNull(completion);
        int right = 0, total = 0;
        foreach (Match m in EquationPattern().Matches(completion))
        {
            total++;
            if (decimal.TryParse(m.Groups["a"].Value, NumberStyles.Number, CultureInfo.InvariantCulture, out var a)
                && decimal.TryParse(m.Groups["b"].Value, NumberStyles.Number, CultureInfo.InvariantCulture, out var b)
                && decimal.TryParse(m.Groups["c"].Value, NumberStyles.Number, CultureInfo.InvariantCulture, out var c)
                && Apply(a, m.Groups["op"].Value, b) is { } value
                && value == c)
            {
                right++;
            }
        }

        return (right, total);
    }

    private static decimal? Apply(decimal a, string op, decimal b) => op switch
    {
        "+" => a + b,
        "-" or "−" => a - b,
        "*" or "x" or "×" => a * b,
        "/" or "÷" => b == 0 ? null : a / b,
        _ => null,
    };

    // A whole line "a op b = c", or a <<a op b=c>> annotation anywhere.
    [GeneratedRegex(@"(?:^[ \t]*|<<)(?<a>-?\d+(?:\.\d+)?)[ \t]*(?<op>[-+*/x×÷−])[ \t]*(?<b>-?\d+(?:\.\d+)?)[ \t]*=[ \t]*(?<c>-?\d+(?:\.\d+)?)(?:[ \t]*$|>>)", RegexOptions.Multiline | RegexOptions.CultureInvariant, 1000)]
    private static partial Regex EquationPattern();
}
