using System.Text;
using System.Text.RegularExpressions;

namespace PostTrain.Trainer.Sources;

/// <summary>
/// fnmatch-style file patterns, as <c>huggingface_hub</c>'s <c>allow_patterns</c> uses them: <c>*</c> matches any run of
/// characters (a <c>/</c> included), <c>?</c> one character, <c>[abc]</c> one of a set; matching is case-sensitive.
/// </summary>
public static class FilePattern
{
    /// <summary>True when <paramref name="path"/> matches <paramref name="pattern"/>.</summary>
    public static bool IsMatch(string path, string pattern)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(pattern);
        return ToRegex(pattern).IsMatch(path);
    }

    /// <summary>True when <paramref name="path"/> matches any of <paramref name="patterns"/>; a null or empty list matches everything.</summary>
    public static bool IsMatchAny(string path, IReadOnlyCollection<string>? patterns) =>
        patterns is null || patterns.Count == 0 || patterns.Any(p => IsMatch(path, p));

    private static Regex ToRegex(string pattern)
    {
        var sb = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '*':
                    sb.Append(".*");
                    break;
                case '?':
                    sb.Append('.');
                    break;
                case '[':
                    var close = pattern.IndexOf(']', i + 1);
                    if (close < 0)
                    {
                        sb.Append(@"\[");
                        break;
                    }

                    var set = pattern[(i + 1)..close];
                    sb.Append('[').Append(set.StartsWith('!') ? "^" + Regex.Escape(set[1..]) : Regex.Escape(set)).Append(']');
                    i = close;
                    break;
                default:
                    sb.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }

        sb.Append('$');
        return new Regex(sb.ToString(), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }
}
