using System.Globalization;
using System.Text.RegularExpressions;

namespace PostTrain.Trainer.Rewards;

/// <summary>
/// A step verifier for worked arithmetic: the fraction of the completion's binary equations (<c>a op b = c</c> with
/// op one of + − * / x ×, one per line, or GSM8K's calculator annotations <c>&lt;&lt;a op b=c&gt;&gt;</c>) whose result is
/// right; 0 when the completion has none. It needs no reference solution, only arithmetic, so it scores problems that
/// come with a final answer alone. On its own it can be satisfied by true but irrelevant equations: weight it below the
/// final-answer reward in a composite, or make it a gate of one.
/// <para>
/// Grounded (<c>grounded: true</c>): an equation counts as right only when, besides its arithmetic, each operand is a
/// number of the prompt or the result of an earlier equation, and a final <c>#### n</c> answer counts as one more check
/// that must equal the last equation's result. True equations about numbers from nowhere, and an answer that does not
/// follow from the work shown, then fail it: the check a teacher makes of worked arithmetic, still without a reference
/// solution.
/// </para>
/// </summary>
public sealed partial class EquationReward : IRewardFunction
{
    /// <summary>Creates the reward.</summary>
    /// <param name="name">The name in metrics and composites.</param>
    /// <param name="grounded">Also require operands from the prompt or earlier results, and the answer from the last result.</param>
    public EquationReward(string name = "equations", bool grounded = false)
    {
        Name = name;
        Grounded = grounded;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>Whether operands must come from the prompt or earlier results (see the class remarks).</summary>
    public bool Grounded { get; }

    /// <inheritdoc />
    public ValueTask<RewardResult> ScoreAsync(RewardInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var (right, total) = Grounded ? CheckGrounded(input.Prompt, input.Completion) : Check(input.Completion);
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
            if (TryParse(m, out var a, out var b, out var c) && Apply(a, m.Groups["op"].Value, b) == c)
            {
                right++;
            }
        }

        return (right, total);
    }

    /// <summary>
    /// The grounded count: equations whose arithmetic is right and whose operands each appear in
    /// <paramref name="prompt"/> or as an earlier equation's result, plus, when the completion gives a <c>#### n</c>
    /// answer, one check that it equals the last equation's result.
    /// </summary>
    public static (int Right, int Total) CheckGrounded(string prompt, string completion)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(completion);
        var known = new HashSet<decimal>(NumberPattern().Matches(prompt).Select(m => decimal.Parse(m.Value, NumberStyles.Number, CultureInfo.InvariantCulture)));
        int right = 0, total = 0;
        decimal? last = null;
        foreach (Match m in EquationPattern().Matches(completion))
        {
            total++;
            if (!TryParse(m, out var a, out var b, out var c))
            {
                last = null;
                continue;
            }

            if (Apply(a, m.Groups["op"].Value, b) == c && known.Contains(a) && known.Contains(b))
            {
                right++;
            }

            known.Add(c);
            last = c;
        }

        // The answer is read the way the math reward reads it.
        if (AnswerExtraction.Strict(completion) is { } answer)
        {
            total++;
            if (last is { } l && NumericAnswer.TryParse(answer, out var n) && NumericAnswer.TryParse(l.ToString(CultureInfo.InvariantCulture), out var result) && n == result)
            {
                right++;
            }
        }

        return (right, total);
    }

    private static bool TryParse(Match m, out decimal a, out decimal b, out decimal c)
    {
        b = c = 0;
        return decimal.TryParse(m.Groups["a"].Value, NumberStyles.Number, CultureInfo.InvariantCulture, out a)
            & decimal.TryParse(m.Groups["b"].Value, NumberStyles.Number, CultureInfo.InvariantCulture, out b)
            & decimal.TryParse(m.Groups["c"].Value, NumberStyles.Number, CultureInfo.InvariantCulture, out c);
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

    [GeneratedRegex(@"-?\d+(?:\.\d+)?", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex NumberPattern();
}
