using System.Globalization;
using System.Text;

namespace PostTrain.NodeAgent.Jobs;

/// <summary>status.completedIndexes: sorted indexes as comma-separated numbers and ranges ("0-2,5").</summary>
internal static class CompletedIndexes
{
    /// <summary>Formats a set of indexes; empty for none.</summary>
    public static string Format(IEnumerable<int> indexes)
    {
        var text = new StringBuilder();
        int? start = null, end = null;
        void Flush()
        {
            if (start is null)
            {
                return;
            }

            text.Append(text.Length > 0 ? "," : "").Append(start.Value.ToString(CultureInfo.InvariantCulture));
            if (end > start)
            {
                text.Append('-').Append(end.Value.ToString(CultureInfo.InvariantCulture));
            }
        }

        foreach (var index in indexes.Distinct().Order())
        {
            if (end is { } last && index == last + 1)
            {
                end = index;
                continue;
            }

            Flush();
            start = end = index;
        }

        Flush();
        return text.ToString();
    }

    /// <summary>Parses the format back (unparsable parts are skipped).</summary>
    public static SortedSet<int> Parse(string? text)
    {
        var set = new SortedSet<int>();
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var dash = part.IndexOf('-', StringComparison.Ordinal);
            if (dash < 0 && int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var single))
            {
                set.Add(single);
            }
            else if (dash > 0
                && int.TryParse(part[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var from)
                && int.TryParse(part[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var to))
            {
                for (var i = from; i <= to; i++)
                {
                    set.Add(i);
                }
            }
        }

        return set;
    }
}
