using System.Text.RegularExpressions;

namespace PostTrain.Shipping.Tests.Metrics;

/// <summary>
/// The metric names a PromQL expression (or a Grafana <c>label_values(metric, label)</c> query, reduced to its metric)
/// refers to: strings,
/// label matchers <c>{...}</c>, ranges <c>[...]</c>, grouping clauses (<c>by (...)</c>, <c>without</c>, <c>on</c>,
/// <c>ignoring</c>, <c>group_left/right</c>), numbers, function calls and keywords are removed; what remains are
/// metric names.
/// </summary>
public static partial class PromQlMetricNames
{
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "and", "or", "unless", "atan2", "inf", "nan", "Inf", "NaN",
    };

    /// <summary>The metric names in <paramref name="expression"/>.</summary>
    public static IReadOnlySet<string> Of(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var text = LabelValues().Replace(expression, "${metric}");
        text = Strings().Replace(text, " ");
        text = Braces().Replace(text, " ");
        text = Brackets().Replace(text, " ");
        text = Grouping().Replace(text, " ");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match m in Identifier().Matches(text))
        {
            var name = m.Groups["name"].Value;
            var followedByCall = m.Groups["call"].Success;
            if (followedByCall || Keywords.Contains(name) || m.Index > 0 && (text[m.Index - 1] == '$' || char.IsDigit(text[m.Index - 1]) || text[m.Index - 1] == '.'))
            {
                continue;
            }

            names.Add(name);
        }

        return names;
    }

    [GeneratedRegex(@"label_values\(\s*(?<metric>[^,()]+?)\s*,\s*[a-zA-Z_][a-zA-Z0-9_]*\s*\)")]
    private static partial Regex LabelValues();

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`")]
    private static partial Regex Strings();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Braces();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Brackets();

    [GeneratedRegex(@"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex Grouping();

    [GeneratedRegex(@"(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?<call>\s*\()?")]
    private static partial Regex Identifier();
}
