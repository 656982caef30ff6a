using System.Text;
using System.Text.RegularExpressions;

namespace PostTrain.Trainer.Tokenizers.Chat.Jinja;

/// <summary>
/// Jinja2's built-in filters that chat templates use, with Jinja2's semantics, and transformers' <c>tojson</c>
/// (Python's <c>json.dumps</c> with <c>ensure_ascii=False</c>). Filters whose Jinja2 result is a generator (<c>map</c>,
/// <c>select</c>, <c>reverse</c>, ...) give lists here: equal when iterated, joined or counted, which is how templates
/// use them. Jinja2 filters not listed in <see cref="IsKnown"/> fail when the template is parsed.
/// </summary>
internal static partial class JinjaBuiltinFilters
{
    private static readonly HashSet<string> UnsupportedJinjaFilters = new(StringComparer.Ordinal)
    {
        "batch", "filesizeformat", "groupby", "pprint", "random", "slice", "striptags", "truncate", "urlencode", "urlize", "wordwrap", "xmlattr",
    };

    private static readonly Dictionary<string, Func<JinjaRuntime, object?, JinjaArguments, object?>> Filters = new(StringComparer.Ordinal)
    {
        ["abs"] = (_, v, a) => Abs(v, a.Expect("abs")),
        ["attr"] = (rt, v, a) => JinjaMembers.AttributeOnly(rt, v, PythonFormatting.Str(a.Expect("attr", "name").Require("attr", 0, "name"))),
        ["capitalize"] = (_, v, a) => PythonStrings.Capitalize(Str(v, a.Expect("capitalize"))),
        ["center"] = (_, v, a) => PythonStrings.Pad(RequireString(v, "center"), Int(a.Expect("center", "width").Get(0, "width", 80L), "center"), " ", 'c'),
        ["count"] = (_, v, a) => JinjaIteration.Length(v),
        ["d"] = Default,
        ["default"] = Default,
        ["dictsort"] = DictSort,
        ["e"] = (_, v, a) => JinjaEscape(v),
        ["escape"] = (_, v, a) => JinjaEscape(v),
        ["first"] = First,
        ["float"] = (_, v, a) => ToFloat(v, a.Expect("float", "default").Get(0, "default", 0.0)),
        ["forceescape"] = (_, v, a) => JinjaEscape(v),
        ["format"] = (_, v, a) => PythonPrintf.Format(PythonFormatting.Str(v), a.Keywords.Count > 0 ? KeywordDict(a) : new JinjaTuple([.. a.Positional])),
        ["indent"] = Indent,
        ["int"] = (_, v, a) => ToInt(v, a.Expect("int", "default", "base").Get(0, "default", 0L), a.Get(1, "base", 10L)),
        ["items"] = Items,
        ["join"] = Join,
        ["last"] = Last,
        ["length"] = (_, v, a) => JinjaIteration.Length(v),
        ["list"] = (rt, v, a) => new List<object?>(JinjaIteration.Items(rt, v)),
        ["lower"] = (_, v, a) => PythonStrings.Lower(Str(v, a.Expect("lower"))),
        ["map"] = Map,
        ["max"] = (rt, v, a) => MinMax(rt, v, a, max: true),
        ["min"] = (rt, v, a) => MinMax(rt, v, a, max: false),
        ["reject"] = (rt, v, a) => Select(rt, v, a, "reject", attribute: false, keep: false),
        ["rejectattr"] = (rt, v, a) => Select(rt, v, a, "rejectattr", attribute: true, keep: false),
        ["replace"] = Replace,
        ["reverse"] = Reverse,
        ["round"] = Round,
        ["safe"] = (_, v, a) => PythonFormatting.Str(v),
        ["select"] = (rt, v, a) => Select(rt, v, a, "select", attribute: false, keep: true),
        ["selectattr"] = (rt, v, a) => Select(rt, v, a, "selectattr", attribute: true, keep: true),
        ["sort"] = Sort,
        ["string"] = (_, v, a) => PythonFormatting.Str(v),
        ["sum"] = Sum,
        ["title"] = (_, v, a) => Title(Str(v, a.Expect("title"))),
        ["tojson"] = ToJson,
        ["trim"] = (rt, v, a) => PythonStrings.Strip(rt.Provenance, Str(v, a.Expect("trim", "chars")), a.Get(0, "chars") is { } c ? PythonFormatting.Str(c) : null, true, true),
        ["unique"] = Unique,
        ["upper"] = (_, v, a) => PythonStrings.Upper(Str(v, a.Expect("upper"))),
        ["wordcount"] = (_, v, a) => (long)WordPattern().Count(Str(v, a.Expect("wordcount"))),
    };

    /// <summary>Whether the filter is implemented.</summary>
    public static bool IsKnown(string name) => Filters.ContainsKey(name);

    /// <summary>Whether Jinja2 has the filter but this renderer does not implement it.</summary>
    public static bool IsUnsupportedJinjaFilter(string name) => UnsupportedJinjaFilters.Contains(name);

    /// <summary>Applies filter <paramref name="name"/> to <paramref name="value"/>.</summary>
    public static object? Apply(JinjaRuntime runtime, string name, object? value, JinjaArguments arguments) =>
        Filters.TryGetValue(name, out var filter) ? filter(runtime, value, arguments) : throw new JinjaRuntimeError($"unknown filter '{name}'");

    [GeneratedRegex(@"\w+")]
    private static partial Regex WordPattern();

    [GeneratedRegex(@"([-\s({\[<]+)")]
    private static partial Regex WordBeginning();

    /// <summary>Jinja2's <c>soft_str</c>: the text of a value (undefined gives the empty string).</summary>
    private static string Str(object? value, JinjaArguments _) => PythonFormatting.Str(value);

    private static string RequireString(object? value, string filter) =>
        value as string ?? throw new JinjaRuntimeError($"'{PythonValues.TypeName(value)}' object has no attribute '{filter}'");

    private static long Int(object? value, string filter) => PythonValues.IsInteger(value)
        ? PythonValues.ToLong(value)
        : throw new JinjaRuntimeError($"{filter}: an integer is required, not {PythonValues.TypeName(value)}");

    private static OrderedDictionary<object, object?> KeywordDict(JinjaArguments a)
    {
        var dict = PythonValues.NewDict();
        foreach (var (k, v) in a.Keywords)
        {
            dict[k] = v;
        }

        return dict;
    }

    private static string JinjaEscape(object? value)
    {
        var sb = new StringBuilder();
        foreach (var c in PythonFormatting.Str(value))
        {
            sb.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '\'' => "&#39;",
                '"' => "&#34;",
                _ => c.ToString(),
            });
        }

        return sb.ToString();
    }

    private static object? Abs(object? value, JinjaArguments _)
    {
        PythonOperators.FailIfUndefined(value);
        return value switch
        {
            bool or long => (object)Math.Abs(PythonValues.ToLong(value)),
            double d => Math.Abs(d),
            _ => throw new JinjaRuntimeError($"bad operand type for abs(): '{PythonValues.TypeName(value)}'"),
        };
    }

    private static object? Default(JinjaRuntime runtime, object? value, JinjaArguments a)
    {
        a.Expect("default", "default_value", "boolean");
        var fallback = a.Get(0, "default_value", string.Empty);
        var boolean = PythonValues.IsTruthy(a.Get(1, "boolean", false));
        return value is JinjaUndefined || (boolean && !PythonValues.IsTruthy(value)) ? fallback : value;
    }

    private static object? First(JinjaRuntime runtime, object? value, JinjaArguments a)
    {
        a.Expect("first");
        var items = JinjaIteration.Items(runtime, value);
        return items.Count > 0 ? items[0] : new JinjaUndefined("No first item, sequence was empty.");
    }

    private static object? Last(JinjaRuntime runtime, object? value, JinjaArguments a)
    {
        a.Expect("last");
        var items = JinjaIteration.Items(runtime, value);
        return items.Count > 0 ? items[^1] : new JinjaUndefined("No last item, sequence was empty.");
    }

    private static object? ToFloat(object? value, object? fallback)
    {
        PythonOperators.FailIfUndefined(value);
        return value switch
        {
            bool or long or double => PythonValues.ToDouble(value),
            string s => PythonStrings.ParseFloat(s) ?? fallback,
            _ => fallback,
        };
    }

    private static object? ToInt(object? value, object? fallback, object? numberBase)
    {
        PythonOperators.FailIfUndefined(value);
        switch (value)
        {
            case bool or long:
                return PythonValues.ToLong(value);
            case double d:
                return double.IsFinite(d) ? (long)Math.Truncate(d) : fallback;
            case string s:
                if (PythonStrings.ParseInt(s, PythonValues.IsInteger(numberBase) ? PythonValues.ToLong(numberBase) : 10) is { } parsed)
                {
                    return parsed;
                }

                return PythonStrings.ParseFloat(s) is { } f && double.IsFinite(f) ? (long)Math.Truncate(f) : fallback;
            default:
                return fallback;
        }
    }

    private static object? Items(JinjaRuntime runtime, object? value, JinjaArguments a)
    {
        a.Expect("items");
        return value switch
        {
            JinjaUndefined => new List<object?>(),
            OrderedDictionary<object, object?> dict => new List<object?>(dict.Select(p => (object?)new JinjaTuple(p.Key, p.Value))),
            _ => throw new JinjaRuntimeError("Can only get item pairs from a mapping."),
        };
    }

    private static object? DictSort(JinjaRuntime runtime, object? value, JinjaArguments a)
    {
        a.Expect("dictsort", "case_sensitive", "by", "reverse");
        var caseSensitive = PythonValues.IsTruthy(a.Get(0, "case_sensitive", false));
        var by = PythonFormatting.Str(a.Get(1, "by", "key"));
        var reverse = PythonValues.IsTruthy(a.Get(2, "reverse", false));
        PythonOperators.FailIfUndefined(value);
        if (value is not OrderedDictionary<object, object?> dict)
        {
            throw new JinjaRuntimeError($"'{PythonValues.TypeName(value)}' object has no attribute 'items'");
        }

        var position = by switch
        {
            "key" => 0,
            "value" => 1,
            _ => throw new JinjaRuntimeError("You can only sort by either \"key\" or \"value\""),
        };
        var pairs = dict.Select(p => new JinjaTuple(p.Key, p.Value)).ToList();
        return new List<object?>(SortBy(pairs, t => SortKey(t[position], caseSensitive), reverse));
    }

    private static object? SortKey(object? value, bool caseSensitive) => !caseSensitive && value is string s ? s.ToLowerInvariant() : value;

    private static IEnumerable<T> SortBy<T>(IEnumerable<T> items, Func<T, object?> key, bool reverse)
    {
        var comparer = Comparer<object?>.Create((x, y) => PythonOperators.Order("<", x, y));
        return reverse ? items.OrderByDescending(key, comparer) : items.OrderBy(key, comparer);
    }

    private static object? Join(JinjaRuntime runtime, object? value, JinjaArguments a)
    {
        a.Expect("join", "d", "attribute");
        var separator = PythonFormatting.Str(a.Get(0, "d", string.Empty));
        var items = JinjaIteration.Items(runtime, value);
        if (a.Get(1, "attribute") is { } attribute)
        {
            items = [.. items.Select(item => AttributePath(runtime, item, attribute))];
        }

        var parts = new List<string>();
        foreach (var item in items)
        {
            if (parts.Count > 0 && separator.Length > 0)
            {
                parts.Add(separator);
            }

            parts.Add(PythonFormatting.Str(item));
        }

        return runtime.Provenance.Concat(parts);
    }

    /// <summary>Jinja2's attribute getter: <c>"a.b.0"</c> reads item by item, digits as indexes.</summary>
    private static object? AttributePath(JinjaRuntime runtime, object? item, object? path)
    {
        if (PythonValues.IsInteger(path))
        {
            return JinjaMembers.GetItem(runtime, item, PythonValues.ToLong(path));
        }

        foreach (var part in PythonFormatting.Str(path).Split('.'))
        {
            item = JinjaMembers.GetItem(runtime, item, long.TryParse(part, out var index) ? index : part);
        }

        return item;
    }

    private static object? Map(JinjaRuntime runtime, object? value, JinjaArguments a)
    {
        var items = JinjaIteration.Items(runtime, value);
        if (a.Positional.Count == 0 && a.Keywords.Any(k => k.Key == "attribute"))
        {
            a.Expect("map", "attribute", "default");
            var attribute = a.Get(0, "attribute");
            var hasDefault = a.Has(1, "default");
            var fallback = a.Get(1, "default");
            return new List<object?>(items.Select(item =>
            {
                var result = AttributePath(runtime, item, attribute);
                return hasDefault && result is JinjaUndefined ? fallback : result;
            }));
        }

        if (a.Positional.Count == 0)
        {
            throw new JinjaRuntimeError("map requires a filter argument");
        }

        var filter = PythonFormatting.Str(a.Positional[0]);
        var rest = a.Skip(1);
        return new List<object?>(items.Select(item => Apply(runtime, filter, item, rest)));
    }

    private static object? Select(JinjaRuntime runtime, object? value, JinjaArguments a, string filter, bool attribute, bool keep)
    {
        var items = JinjaIteration.Items(runtime, value);
        var skip = 0;
        object? attributeName = null;
        if (attribute)
        {
            attributeName = a.Positional.Count > 0 ? a.Positional[0] : throw new JinjaRuntimeError($"{filter}() missing the attribute to test");
            skip = 1;
        }

        Func<object?, bool> predicate;
        if (a.Positional.Count > skip)
        {
            var test = PythonFormatting.Str(a.Positional[skip]);
            if (!JinjaBuiltinTests.IsKnown(test))
            {
                throw new JinjaRuntimeError($"{filter}: unknown test '{test}'");
            }

            var rest = a.Skip(skip + 1);
            predicate = item => JinjaBuiltinTests.Apply(runtime, test, item, rest);
        }
        else
        {
            predicate = PythonValues.IsTruthy;
        }

        return new List<object?>(items.Where(item => predicate(attribute ? AttributePath(runtime, item, attributeName) : item) == keep));
    }

    private static object? MinMax(JinjaRuntime runtime, object? value, JinjaArguments a, bool max)
    {
        var name = max ? "max" : "min";
        a.Expect(name, "case_sensitive", "attribute");
        var caseSensitive = PythonValues.IsTruthy(a.Get(0, "case_sensitive", false));
        var attribute = a.Get(1, "attribute");
        var items = JinjaIteration.Items(runtime, value);
        if (items.Count == 0)
        {
            return new JinjaUndefined("No aggregated item, sequence was empty.");
        }

        object? Key(object? item) => SortKey(attribute is null ? item : AttributePath(runtime, item, attribute), caseSensitive);
        var best = items[0];
        foreach (var item in items.Skip(1))
        {
            var order = PythonOperators.Order(max ? ">" : "<", Key(item), Key(best));
            if (max ? order > 0 : order < 0)
            {
                best = item;
            }
        }

        return best;
    }

    private static object? Replace(JinjaRuntime runtime, object? value, JinjaArguments a)
    {
        a.Expect("replace", "old", "new", "count");
        var count = a.Get(2, "count");
        return PythonStrings.Replace(
            PythonFormatting.Str(value),
            PythonFormatting.Str(a.Require("replace", 0, "old")),
            PythonFormatting.Str(a.Require("replace", 1, "new")),
            count is null ? -1 : Int(count, "replace"));
    }

    private static object? Reverse(JinjaRuntime runtime, object? value, JinjaArguments a)
    {
        a.Expect("reverse");
        if (value is string s)
        {
            return PythonStrings.Slice(TextProvenance.Off, s, null, null, -1);
        }

        var items = JinjaIteration.Items(runtime, value).ToList();
        items.Reverse();
        return items;
    }

    private static object? Round(JinjaRuntime runtime, object? value, JinjaArguments a)
    {
        a.Expect("round", "precision", "method");
        PythonOperators.FailIfUndefined(value);
        var precision = Int(a.Get(0, "precision", 0L), "round");
        var method = PythonFormatting.Str(a.Get(1, "method", "common"));
        if (!PythonValues.IsNumber(value))
        {
            throw new JinjaRuntimeError($"type {PythonValues.TypeName(value)} doesn't define __round__ method");
        }

        if (method == "common")
        {
            return PythonValues.IsInteger(value) ? (object)PythonValues.ToLong(value) : PythonRounding.Round(PythonValues.ToDouble(value), precision);
        }

        var scale = Math.Pow(10, precision);
        return method switch
        {
            "ceil" => Math.Ceiling(PythonValues.ToDouble(value) * scale) / scale,
            "floor" => Math.Floor(PythonValues.ToDouble(value) * scale) / scale,
            _ => throw new JinjaRuntimeError("method must be common, ceil or floor"),
        };
    }

    private static object? Sort(JinjaRuntime runtime, object? value, JinjaArguments a)
    {
        a.Expect("sort", "reverse", "case_sensitive", "attribute");
        var reverse = PythonValues.IsTruthy(a.Get(0, "reverse", false));
        var caseSensitive = PythonValues.IsTruthy(a.Get(1, "case_sensitive", false));
        var attribute = a.Get(2, "attribute");
        var items = JinjaIteration.Items(runtime, value);
        return new List<object?>(SortBy(items, item => SortKey(attribute is null ? item : AttributePath(runtime, item, attribute), caseSensitive), reverse));
    }

    private static object? Sum(JinjaRuntime runtime, object? value, JinjaArguments a)
    {
        a.Expect("sum", "attribute", "start");
        var attribute = a.Get(0, "attribute");
        var total = a.Get(1, "start", 0L);
        foreach (var item in JinjaIteration.Items(runtime, value))
        {
            total = PythonOperators.Binary(runtime, "+", total, attribute is null ? item : AttributePath(runtime, item, attribute));
        }

        return total;
    }

    private static object? Unique(JinjaRuntime runtime, object? value, JinjaArguments a)
    {
        a.Expect("unique", "case_sensitive", "attribute");
        var caseSensitive = PythonValues.IsTruthy(a.Get(0, "case_sensitive", false));
        var attribute = a.Get(1, "attribute");
        var seen = new HashSet<object>(PythonValues.KeyComparer);
        var result = new List<object?>();
        foreach (var item in JinjaIteration.Items(runtime, value))
        {
            var key = SortKey(attribute is null ? item : AttributePath(runtime, item, attribute), caseSensitive);
            if (seen.Add(PythonValues.Key(key)))
            {
                result.Add(item);
            }
        }

        return result;
    }

    /// <summary>Jinja2's <c>title</c>: each word (split at whitespace and <c>- ( { [ &lt;</c>) with its first character uppered and the rest lowered.</summary>
    private static string Title(string s)
    {
        var sb = new StringBuilder();
        foreach (var item in WordBeginning().Split(s))
        {
            if (item.Length > 0)
            {
                sb.Append(char.ToUpperInvariant(item[0])).Append(item[1..].ToLowerInvariant());
            }
        }

        return sb.ToString();
    }

    private static object? Indent(JinjaRuntime runtime, object? value, JinjaArguments a)
    {
        a.Expect("indent", "width", "first", "blank");
        var width = a.Get(0, "width", 4L);
        var indentation = width as string ?? new string(' ', (int)Math.Max(0, Int(width, "indent")));
        var first = PythonValues.IsTruthy(a.Get(1, "first", false));
        var blank = PythonValues.IsTruthy(a.Get(2, "blank", false));
        var lines = PythonStrings.SplitLines(PythonFormatting.Str(value) + "\n", keepEnds: false);
        string result;
        if (blank)
        {
            result = string.Join("\n" + indentation, lines);
        }
        else
        {
            result = lines[0];
            if (lines.Count > 1)
            {
                result += "\n" + string.Join("\n", lines.Skip(1).Select(line => line.Length > 0 ? indentation + line : line));
            }
        }

        return first ? indentation + result : result;
    }

    private static object? ToJson(JinjaRuntime runtime, object? value, JinjaArguments a)
    {
        a.Expect("tojson", "ensure_ascii", "indent", "separators", "sort_keys");
        string? itemSeparator = null;
        string? keySeparator = null;
        if (a.Get(2, "separators") is { } separators)
        {
            if (separators is not IReadOnlyList<object?> { Count: 2 } pair || pair[0] is not string item || pair[1] is not string key)
            {
                throw new JinjaRuntimeError("tojson: separators must be an (item_separator, key_separator) pair of strings");
            }

            (itemSeparator, keySeparator) = (item, key);
        }

        return PythonJson.Dumps(value, PythonValues.IsTruthy(a.Get(0, "ensure_ascii", false)), a.Get(1, "indent"), itemSeparator, keySeparator, PythonValues.IsTruthy(a.Get(3, "sort_keys", false)));
    }
}
