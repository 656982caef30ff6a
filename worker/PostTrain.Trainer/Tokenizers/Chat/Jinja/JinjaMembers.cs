namespace PostTrain.Trainer.Tokenizers.Chat.Jinja;

/// <summary>
/// Attribute and item access as Jinja2's sandboxed environment does it: <c>obj.name</c> tries the attribute (a method
/// such as <c>'a'.upper</c> or <c>dict.items</c>) and then the item, <c>obj[key]</c> the item and then the attribute;
/// what is missing is undefined. Methods that would change a list or dict are refused, as in transformers' immutable
/// sandbox. An undefined value's attributes and items fail with its hint.
/// </summary>
internal static class JinjaMembers
{
    private static readonly HashSet<string> StringMethods = new(StringComparer.Ordinal)
    {
        "strip", "lstrip", "rstrip", "split", "rsplit", "splitlines", "startswith", "endswith", "replace", "upper", "lower", "title",
        "capitalize", "swapcase", "casefold", "find", "rfind", "index", "rindex", "count", "join", "format", "isdigit", "isnumeric",
        "isdecimal", "isalpha", "isalnum", "isspace", "isupper", "islower", "zfill", "center", "ljust", "rjust", "partition",
        "rpartition", "removeprefix", "removesuffix",
    };

    private static readonly HashSet<string> ListMutators = new(StringComparer.Ordinal) { "append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear" };
    private static readonly HashSet<string> DictMutators = new(StringComparer.Ordinal) { "pop", "popitem", "setdefault", "update", "clear" };

    /// <summary><c>obj.name</c>.</summary>
    public static object? GetAttribute(JinjaRuntime runtime, object? target, string name)
    {
        PythonOperators.FailIfUndefined(target);
        if (TryAttribute(runtime, target, name, out var value))
        {
            return value;
        }

        return TryItem(runtime, target, name, out var item) ? item : Missing(target, name);
    }

    /// <summary><c>obj[key]</c>.</summary>
    public static object? GetItem(JinjaRuntime runtime, object? target, object? key)
    {
        PythonOperators.FailIfUndefined(target);
        if (TryItem(runtime, target, key, out var item))
        {
            return item;
        }

        if (key is string name && TryAttribute(runtime, target, name, out var value))
        {
            return value;
        }

        return Missing(target, key);
    }

    /// <summary>The attribute alone, as Jinja's <c>attr</c> filter reads it.</summary>
    public static object? AttributeOnly(JinjaRuntime runtime, object? target, string name)
    {
        PythonOperators.FailIfUndefined(target);
        return TryAttribute(runtime, target, name, out var value) ? value : Missing(target, name);
    }

    private static JinjaUndefined Missing(object? target, object? key)
    {
        var owner = target is null ? "None" : $"{PythonValues.TypeName(target)} object";
        return key is string name
            ? new JinjaUndefined($"'{owner}' has no attribute '{name}'")
            : new JinjaUndefined($"'{owner}' has no element {PythonFormatting.Repr(key)}");
    }

    private static bool TryAttribute(JinjaRuntime runtime, object? target, string name, out object? value)
    {
        value = null;
        switch (target)
        {
            case string s when StringMethods.Contains(name):
                value = JinjaFunction.Builtin($"str.{name}", (rt, a) => StringMethod(rt, s, name, a));
                return true;
            case JinjaNamespace ns:
                return ns.Attributes.TryGetValue(name, out value);
            case JinjaLoop loop:
                value = loop.GetAttribute(name);
                return value is not JinjaUndefined;
            case IReadOnlyList<object?> list when name is "count" or "index" || (name == "copy" && target is List<object?>):
                value = JinjaFunction.Builtin($"{PythonValues.TypeName(target)}.{name}", (_, a) => SequenceMethod(list, name, a));
                return true;
            case List<object?> when ListMutators.Contains(name):
                value = Unsafe(target, name);
                return true;
            case OrderedDictionary<object, object?> dict when name is "items" or "keys" or "values" or "get" or "copy":
                value = JinjaFunction.Builtin($"dict.{name}", (_, a) => DictMethod(dict, name, a));
                return true;
            case OrderedDictionary<object, object?> when DictMutators.Contains(name):
                value = Unsafe(target, name);
                return true;
            default:
                return false;
        }
    }

    private static JinjaUndefined Unsafe(object? target, string name) =>
        new($"access to attribute '{name}' of '{PythonValues.TypeName(target)}' object is unsafe.");

    private static bool TryItem(JinjaRuntime runtime, object? target, object? key, out object? value)
    {
        value = null;
        switch (target)
        {
            case string s when PythonValues.IsInteger(key):
                value = PythonStrings.At(runtime.Provenance, s, PythonValues.ToLong(key));
                return value is not null;
            case string s when key is PythonSlice slice && slice.Indices() is { } i:
                value = PythonStrings.Slice(runtime.Provenance, s, i.Start, i.Stop, i.Step);
                return true;
            case IReadOnlyList<object?> list when PythonValues.IsInteger(key):
                var index = PythonValues.ToLong(key);
                if (index < 0)
                {
                    index += list.Count;
                }

                if (index < 0 || index >= list.Count)
                {
                    return false;
                }

                value = list[(int)index];
                return true;
            case IReadOnlyList<object?> list when key is PythonSlice slice && slice.Indices() is { } i:
                var items = PythonStrings.SlicePositions(list.Count, i.Start, i.Stop, i.Step).Select(p => list[(int)p]).ToArray();
                value = target is JinjaTuple ? new JinjaTuple(items) : new List<object?>(items);
                return true;
            case OrderedDictionary<object, object?> dict when key is not null and not List<object?> and not OrderedDictionary<object, object?> and not PythonSlice:
                return dict.TryGetValue(key, out value);
            default:
                return false;
        }
    }

    private static object? SequenceMethod(IReadOnlyList<object?> list, string name, JinjaArguments a)
    {
        switch (name)
        {
            case "count":
                a.Expect("count", "value");
                var item = a.Require("count", 0, "value");
                return (long)list.Count(x => PythonValues.Equals(x, item));
            case "index":
                a.Expect("index", "value");
                var wanted = a.Require("index", 0, "value");
                for (var i = 0; i < list.Count; i++)
                {
                    if (PythonValues.Equals(list[i], wanted))
                    {
                        return (long)i;
                    }
                }

                throw new JinjaRuntimeError($"{PythonFormatting.Repr(wanted)} is not in list");
            default:
                a.Expect("copy");
                return new List<object?>(list);
        }
    }

    private static object? DictMethod(OrderedDictionary<object, object?> dict, string name, JinjaArguments a)
    {
        switch (name)
        {
            case "items":
                a.Expect("items");
                return new PythonDictView("dict_items", dict.Select(p => (object?)new JinjaTuple(p.Key, p.Value)));
            case "keys":
                a.Expect("keys");
                return new PythonDictView("dict_keys", dict.Keys);
            case "values":
                a.Expect("values");
                return new PythonDictView("dict_values", dict.Values);
            case "get":
                a.Expect("get", "key", "default");
                var key = a.Require("get", 0, "key");
                return key is not null && dict.TryGetValue(key, out var value) ? value : a.Get(1, "default");
            default:
                a.Expect("copy");
                var copy = PythonValues.NewDict();
                foreach (var (k, v) in dict)
                {
                    copy[k] = v;
                }

                return copy;
        }
    }

    private static string Text(object? value, string function) =>
        value as string ?? throw new JinjaRuntimeError($"{function}() argument must be str, not {PythonValues.TypeName(value)}");

    private static long? OptionalInt(object? value, string function) => value switch
    {
        null => null,
        bool or long => PythonValues.ToLong(value),
        _ => throw new JinjaRuntimeError($"{function}(): slice indices must be integers or None, not {PythonValues.TypeName(value)}"),
    };

    private static object? StringMethod(JinjaRuntime runtime, string s, string name, JinjaArguments a)
    {
        var p = runtime.Provenance;
        switch (name)
        {
            case "strip" or "lstrip" or "rstrip":
                a.Expect(name, "chars");
                var chars = a.Get(0, "chars");
                return PythonStrings.Strip(p, s, chars is null ? null : Text(chars, name), name != "rstrip", name != "lstrip");
            case "split" or "rsplit":
                a.Expect(name, "sep", "maxsplit");
                var separator = a.Get(0, "sep");
                var maxSplit = a.Get(1, "maxsplit", -1L);
                return PythonStrings.Split(p, s, separator is null ? null : Text(separator, name), OptionalInt(maxSplit, name) ?? -1, name == "rsplit");
            case "splitlines":
                a.Expect(name, "keepends");
                return new List<object?>(PythonStrings.SplitLines(s, PythonValues.IsTruthy(a.Get(0, "keepends", false))));
            case "startswith" or "endswith":
                a.Expect(name, "prefix", "start", "end");
                var affixes = a.Require(name, 0, "prefix") switch
                {
                    string one => [one],
                    JinjaTuple many => many.Select(x => Text(x, name)).ToList(),
                    var other => throw new JinjaRuntimeError($"{name} first arg must be str or a tuple of str, not {PythonValues.TypeName(other)}"),
                };
                var window = PythonStrings.Slice(TextProvenance.Off, s, OptionalInt(a.Get(1, "start"), name), OptionalInt(a.Get(2, "end"), name), null);
                return affixes.Any(x => name == "startswith" ? window.StartsWith(x, StringComparison.Ordinal) : window.EndsWith(x, StringComparison.Ordinal));
            case "replace":
                a.Expect(name, "old", "new", "count");
                return PythonStrings.Replace(s, Text(a.Require(name, 0, "old"), name), Text(a.Require(name, 1, "new"), name), OptionalInt(a.Get(2, "count"), name) ?? -1);
            case "upper":
                a.Expect(name);
                return PythonStrings.Upper(s);
            case "lower" or "casefold":
                a.Expect(name);
                return PythonStrings.Lower(s);
            case "title":
                a.Expect(name);
                return PythonStrings.Title(s);
            case "capitalize":
                a.Expect(name);
                return PythonStrings.Capitalize(s);
            case "swapcase":
                a.Expect(name);
                return PythonStrings.SwapCase(s);
            case "find" or "rfind" or "index" or "rindex":
                a.Expect(name, "sub", "start", "end");
                var at = PythonStrings.Find(s, Text(a.Require(name, 0, "sub"), name), OptionalInt(a.Get(1, "start"), name), OptionalInt(a.Get(2, "end"), name), name.StartsWith('r'));
                return at < 0 && name.EndsWith("index", StringComparison.Ordinal) ? throw new JinjaRuntimeError("substring not found") : at;
            case "count":
                a.Expect(name, "sub");
                return PythonStrings.Count(s, Text(a.Require(name, 0, "sub"), name));
            case "join":
                a.Expect(name, "iterable");
                var parts = JinjaIteration.Items(runtime, a.Require(name, 0, "iterable")).Select((x, i) => x as string
                    ?? throw new JinjaRuntimeError($"sequence item {i}: expected str instance, {PythonValues.TypeName(x)} found")).ToList();
                return p.Concat(parts.SelectMany((x, i) => i == 0 ? [x] : new[] { s, x }).ToList());
            case "format":
                return PythonStringFormat.Format(s, a);
            case "isdigit" or "isnumeric" or "isdecimal" or "isalpha" or "isalnum" or "isspace" or "isupper" or "islower":
                a.Expect(name);
                return PythonStrings.Is(s, name);
            case "zfill":
                a.Expect(name, "width");
                return PythonStrings.ZFill(s, OptionalInt(a.Require(name, 0, "width"), name) ?? 0);
            case "center" or "ljust" or "rjust":
                a.Expect(name, "width", "fillchar");
                var fill = Text(a.Get(1, "fillchar", " "), name);
                if (PythonStrings.Length(fill) != 1)
                {
                    throw new JinjaRuntimeError("The fill character must be exactly one character long");
                }

                return PythonStrings.Pad(s, OptionalInt(a.Require(name, 0, "width"), name) ?? 0, fill, name[0] == 'c' ? 'c' : name[0] == 'l' ? 'l' : 'r');
            case "partition" or "rpartition":
                a.Expect(name, "sep");
                var sep = Text(a.Require(name, 0, "sep"), name);
                if (sep.Length == 0)
                {
                    throw new JinjaRuntimeError("empty separator");
                }

                var found = name == "partition" ? s.IndexOf(sep, StringComparison.Ordinal) : s.LastIndexOf(sep, StringComparison.Ordinal);
                return found < 0
                    ? (name == "partition" ? new JinjaTuple(s, string.Empty, string.Empty) : new JinjaTuple(string.Empty, string.Empty, s))
                    : new JinjaTuple(p.Substring(s, 0, found), sep, p.Substring(s, found + sep.Length, s.Length - found - sep.Length));
            case "removeprefix":
                a.Expect(name, "prefix");
                var prefix = Text(a.Require(name, 0, "prefix"), name);
                return s.StartsWith(prefix, StringComparison.Ordinal) ? p.Substring(s, prefix.Length, s.Length - prefix.Length) : s;
            default:
                a.Expect(name, "suffix");
                var suffix = Text(a.Require(name, 0, "suffix"), name);
                return s.EndsWith(suffix, StringComparison.Ordinal) ? p.Substring(s, 0, s.Length - suffix.Length) : s;
        }
    }
}
