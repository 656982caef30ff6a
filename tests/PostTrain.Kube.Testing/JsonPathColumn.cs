using System.Globalization;
using System.Text.Json.Nodes;

namespace PostTrain.Kube.Testing;

/// <summary>
/// The subset of kubectl's JSONPath that printer columns use: <c>.a.b</c>, <c>.a[0].b</c>, <c>.a[*].b</c> and the
/// filter <c>.a[?(@.type=="Ready")].status</c>, with or without surrounding braces. Several matches join with commas,
/// as kube-apiserver prints them.
/// </summary>
internal static class JsonPathColumn
{
    /// <summary>The values <paramref name="path"/> selects in <paramref name="root"/> (empty when nothing matches).</summary>
    public static List<JsonNode> Select(JsonNode root, string path)
    {
        var p = path.Trim();
        if (p.StartsWith('{') && p.EndsWith('}'))
        {
            p = p[1..^1];
        }

        var current = new List<JsonNode> { root };
        var i = 0;
        while (i < p.Length && current.Count > 0)
        {
            if (p[i] == '.')
            {
                i++;
                var start = i;
                while (i < p.Length && p[i] != '.' && p[i] != '[')
                {
                    i++;
                }

                var name = p[start..i];
                if (name.Length == 0)
                {
                    continue;
                }

                current = [.. current.Select(n => n is JsonObject o ? o[name] : null).OfType<JsonNode>()];
            }
            else if (p[i] == '[')
            {
                var end = p.IndexOf(']', i);
                if (p.AsSpan(i).StartsWith("[?("))
                {
                    end = p.IndexOf(")]", i, StringComparison.Ordinal) + 1;
                }

                if (end <= i)
                {
                    throw new FormatException($"unterminated [ in JSONPath {path}");
                }

                var index = p[(i + 1)..end];
                i = end + 1;
                var items = current.OfType<JsonArray>().SelectMany(a => a.OfType<JsonNode>()).ToList();
                if (index == "*")
                {
                    current = items;
                }
                else if (index.StartsWith("?(", StringComparison.Ordinal))
                {
                    current = [.. items.Where(item => Matches(item, index[2..^1]))];
                }
                else if (int.TryParse(index, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
                {
                    current = [.. current.OfType<JsonArray>().Select(a => n < 0 ? (a.Count + n >= 0 ? a[a.Count + n] : null) : n < a.Count ? a[n] : null).OfType<JsonNode>()];
                }
                else
                {
                    throw new FormatException($"unsupported JSONPath index [{index}] in {path}");
                }
            }
            else
            {
                throw new FormatException($"unexpected '{p[i]}' at {i} in JSONPath {path}");
            }
        }

        return current;
    }

    /// <summary>A filter such as <c>@.type=="Ready"</c> (== or !=, a string or number literal).</summary>
    private static bool Matches(JsonNode item, string filter)
    {
        var (op, at) = filter.Contains("!=", StringComparison.Ordinal) ? ("!=", filter.IndexOf("!=", StringComparison.Ordinal)) : ("==", filter.IndexOf("==", StringComparison.Ordinal));
        if (at < 0)
        {
            return Select(item, filter.Trim().TrimStart('@')).Count > 0;
        }

        var left = filter[..at].Trim();
        var right = filter[(at + 2)..].Trim().Trim('"', '\'');
        var values = left.StartsWith('@') ? Select(item, left[1..]) : [];
        var equal = values.Any(v => Text(v) == right);
        return op == "==" ? equal : !equal;
    }

    /// <summary>A value as kube prints it in a cell: strings bare, everything else as JSON.</summary>
    public static string Text(JsonNode node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : node.ToJsonString();
}
