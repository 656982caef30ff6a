using System.Text.RegularExpressions;

namespace PostTrain.Trainer.Rewards;

/// <summary>Takes the program out of a model's answer: the first <c>```python</c> block, else the first fenced block, else the whole text.</summary>
public static partial class CodeExtraction
{
    /// <summary>The code in <paramref name="completion"/>. An unterminated fence (a generation cut off at its length limit) runs to the end.</summary>
    public static string Extract(string completion)
    {
        ArgumentNullException.ThrowIfNull(completion);
        Match? first = null;
        foreach (Match m in Fence().Matches(completion))
        {
            var lang = m.Groups["lang"].Value.Trim().ToLowerInvariant();
            if (lang is "python" or "py" or "python3")
            {
                return m.Groups["code"].Value;
            }

            first ??= m;
        }

        if (first is not null)
        {
            return first.Groups["code"].Value;
        }

        var open = OpenFence().Match(completion);
        return open.Success ? open.Groups["code"].Value : completion;
    }

    [GeneratedRegex(@"```(?<lang>[A-Za-z0-9_+-]*)[ \t]*\r?\n(?<code>.*?)```", RegexOptions.Singleline | RegexOptions.CultureInvariant, 1000)]
    private static partial Regex Fence();

    [GeneratedRegex(@"```(?<lang>[A-Za-z0-9_+-]*)[ \t]*\r?\n(?<code>.*)$", RegexOptions.Singleline | RegexOptions.CultureInvariant, 1000)]
    private static partial Regex OpenFence();
}
