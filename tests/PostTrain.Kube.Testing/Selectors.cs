using System.Text.Json.Nodes;

namespace PostTrain.Kube.Testing;

/// <summary>Label and field selectors with the syntax kube-apiserver accepts.</summary>
public sealed class Selector
{
    private readonly List<Func<JsonObject, bool>> _requirements;

    private Selector(List<Func<JsonObject, bool>> requirements) => _requirements = requirements;

    /// <summary>A selector that matches everything.</summary>
    public static Selector Everything { get; } = new([]);

    /// <summary>Whether the object satisfies every requirement.</summary>
    public bool Matches(JsonObject obj) => _requirements.TrueForAll(r => r(obj));

    /// <summary>
    /// Parses a label selector: <c>a=b</c>, <c>a==b</c>, <c>a!=b</c>, <c>a in (x,y)</c>, <c>a notin (x)</c>, <c>a</c>, <c>!a</c>.
    /// </summary>
    public static Selector ParseLabels(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var requirements = new List<Func<JsonObject, bool>>();
        foreach (var raw in SplitTopLevel(text))
        {
            var part = raw.Trim();
            if (part.Length == 0)
            {
                continue;
            }

            requirements.Add(ParseLabelRequirement(part));
        }

        return new Selector(requirements);
    }

    /// <summary>Parses a field selector: comma-separated <c>path=value</c>, <c>path==value</c> or <c>path!=value</c>.</summary>
    public static Selector ParseFields(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var requirements = new List<Func<JsonObject, bool>>();
        foreach (var raw in text.Split(','))
        {
            var part = raw.Trim();
            if (part.Length == 0)
            {
                continue;
            }

            var negate = part.Contains("!=", StringComparison.Ordinal);
            var pieces = negate ? part.Split("!=", 2) : part.Contains("==", StringComparison.Ordinal) ? part.Split("==", 2) : part.Split('=', 2);
            if (pieces.Length != 2 || pieces[0].Trim().Length == 0)
            {
                throw ApiStatusException.BadRequest($"invalid field selector \"{text}\": \"{part}\" is not path=value or path!=value");
            }

            var path = pieces[0].Trim().Split('.');
            var expected = pieces[1].Trim();
            requirements.Add(obj =>
            {
                var value = FieldValue(obj, path);
                return negate ? value != expected : value == expected;
            });
        }

        return new Selector(requirements);
    }

    private static string FieldValue(JsonObject obj, string[] path)
    {
        JsonNode? node = obj;
        foreach (var p in path)
        {
            node = node is JsonObject o ? o[p] : null;
        }

        return node switch
        {
            null => "",
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            _ => node.ToJsonString(),
        };
    }

    private static Func<JsonObject, bool> ParseLabelRequirement(string part)
    {
        static string? Label(JsonObject o, string key) => o["metadata"]?["labels"]?[key] is JsonValue v ? v.GetValue<string>() : null;

        if (part.StartsWith('!'))
        {
            var key = part[1..].Trim();
            return o => Label(o, key) is null;
        }

        var words = part.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length >= 2 && (words[1] == "in" || words[1] == "notin" || words[1].StartsWith("in(", StringComparison.Ordinal) || words[1].StartsWith("notin(", StringComparison.Ordinal)))
        {
            var key = words[0];
            var rest = part[key.Length..].Trim();
            var notIn = rest.StartsWith("notin", StringComparison.Ordinal);
            var open = rest.IndexOf('(', StringComparison.Ordinal);
            var close = rest.LastIndexOf(')');
            if (open < 0 || close < open)
            {
                throw ApiStatusException.BadRequest($"invalid label selector requirement \"{part}\": expected a parenthesised value list");
            }

            var values = rest[(open + 1)..close].Split(',').Select(v => v.Trim()).Where(v => v.Length > 0).ToHashSet(StringComparer.Ordinal);
            return notIn
                ? o => Label(o, key) is not { } v || !values.Contains(v)
                : o => Label(o, key) is { } v && values.Contains(v);
        }

        if (part.Contains("!=", StringComparison.Ordinal))
        {
            var kv = part.Split("!=", 2);
            var (key, value) = (kv[0].Trim(), kv[1].Trim());
            return o => Label(o, key) != value;
        }

        if (part.Contains('=', StringComparison.Ordinal))
        {
            var kv = part.Contains("==", StringComparison.Ordinal) ? part.Split("==", 2) : part.Split('=', 2);
            var (key, value) = (kv[0].Trim(), kv[1].Trim());
            return o => Label(o, key) == value;
        }

        var exists = part.Trim();
        if (exists.Contains(' ', StringComparison.Ordinal))
        {
            throw ApiStatusException.BadRequest($"invalid label selector requirement \"{part}\"");
        }

        return o => Label(o, exists) is not null;
    }

    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    yield return text[start..i];
                    start = i + 1;
                    break;
            }
        }

        yield return text[start..];
    }
}
