using System.Text.RegularExpressions;

namespace PostTrain.Trainer.Rewards;

/// <summary>1 when the completion matches a regular expression (anywhere, unless the pattern anchors itself), else 0.</summary>
public sealed class RegexFormatReward : IRewardFunction
{
    private readonly Regex _regex;

    /// <summary>Creates the reward; a pattern that does not compile throws <see cref="ArgumentException"/> naming it.</summary>
    /// <param name="pattern">.NET regular expression syntax (compatible with Python's for common patterns).</param>
    /// <param name="options">Regex options; <see cref="RegexOptions.Multiline"/> makes <c>^</c>/<c>$</c> match at lines.</param>
    /// <param name="name">The name in metrics and composites.</param>
    public RegexFormatReward(string pattern, RegexOptions options = RegexOptions.None, string name = "format")
    {
        ArgumentNullException.ThrowIfNull(pattern);
        try
        {
            _regex = new Regex(pattern, options | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"format reward pattern '{pattern}' is not a valid regular expression: {e.Message}", nameof(pattern), e);
        }

        Name = name;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public ValueTask<RewardResult> ScoreAsync(RewardInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var matched = _regex.IsMatch(input.Completion);
        return ValueTask.FromResult(new RewardResult(matched ? 1 : 0, matched ? "pattern matched" : "pattern did not match"));
    }
}
