using System.Text.RegularExpressions;

namespace PostTrain.Trainer.Rewards;

/// <summary>How a final answer is taken from a model's text.</summary>
public enum AnswerExtractionMode
{
    /// <summary>GSM8K's strict match: the number right after the last <c>####</c>; no <c>####</c>, no answer.</summary>
    Strict,

    /// <summary>The last number anywhere in the text.</summary>
    Flexible,

    /// <summary>Strict when the text has <c>####</c>, else flexible.</summary>
    StrictThenFlexible,
}

/// <summary>Finds the final answer in a completion, GSM8K style.</summary>
public static partial class AnswerExtraction
{
    /// <summary>The number right after the last <c>####</c> (e.g. "#### $1,000." gives "$1,000"), or null.</summary>
    public static string? Strict(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var at = text.LastIndexOf("####", StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var match = LeadingNumber().Match(text, at + 4);
        return match.Success ? match.Groups["n"].Value : null;
    }

    /// <summary>The last number in the text (e.g. "so she has 1,234.5 left." gives "1,234.5"), or null.</summary>
    public static string? Flexible(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var matches = AnyNumber().Matches(text);
        return matches.Count == 0 ? null : matches[^1].Value;
    }

    /// <summary>Extracts with the given mode.</summary>
    public static string? Extract(string text, AnswerExtractionMode mode) => mode switch
    {
        AnswerExtractionMode.Strict => Strict(text),
        AnswerExtractionMode.Flexible => Flexible(text),
        AnswerExtractionMode.StrictThenFlexible => text.Contains("####", StringComparison.Ordinal) ? Strict(text) : Flexible(text),
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown extraction mode"),
    };

    [GeneratedRegex(@"\G[ \t]*(?<n>[-\u2212]?[ \t]*\$?[ \t]*[-\u2212]?\d+(?:,\d{3})*(?:\.\d+)?(?:/\d+)?)", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex LeadingNumber();

    [GeneratedRegex(@"[-\u2212]?\$?\d+(?:,\d{3})*(?:\.\d+)?(?:/\d+)?", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex AnyNumber();
}
