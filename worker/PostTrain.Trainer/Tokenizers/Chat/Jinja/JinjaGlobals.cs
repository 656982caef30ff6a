namespace PostTrain.Trainer.Tokenizers.Chat.Jinja;

/// <summary>
/// The functions every template sees: Jinja2's <c>range</c>, <c>namespace</c>, <c>dict</c> and <c>joiner</c>, and
/// transformers' <c>raise_exception(message)</c> and <c>strftime_now(format)</c> (on the render's clock, local time).
/// </summary>
internal static class JinjaGlobals
{
    /// <summary>Jinja2's sandbox refuses ranges longer than this.</summary>
    public const int MaxRange = 100_000;

    public static IReadOnlyDictionary<string, object?> All { get; } = new Dictionary<string, object?>(StringComparer.Ordinal)
    {
        ["range"] = JinjaFunction.Builtin("range", (_, a) => Range(a)),
        ["namespace"] = JinjaFunction.Builtin("namespace", (_, a) => Namespace(a)),
        ["dict"] = JinjaFunction.Builtin("dict", (rt, a) => Dict(rt, a)),
        ["joiner"] = JinjaFunction.Builtin("joiner", (_, a) => Joiner(a)),
        ["raise_exception"] = JinjaFunction.Builtin("raise_exception", (_, a) =>
            throw new JinjaRuntimeError(PythonFormatting.Str(a.Expect("raise_exception", "message").Get(0, "message", string.Empty)), raisedByTemplate: true)),
        ["strftime_now"] = JinjaFunction.Builtin("strftime_now", (rt, a) =>
            PythonStrftime.Format(rt.Clock.GetLocalNow().DateTime, PythonFormatting.Str(a.Expect("strftime_now", "format").Require("strftime_now", 0, "format")))),
    };

    private static List<object?> Range(JinjaArguments a)
    {
        if (a.Keywords.Count > 0 || a.Positional.Count is 0 or > 3 || !a.Positional.All(PythonValues.IsInteger))
        {
            throw new JinjaRuntimeError("range() takes 1 to 3 integer arguments");
        }

        var values = a.Positional.Select(PythonValues.ToLong).ToArray();
        var (start, stop, step) = values.Length switch
        {
            1 => (0, values[0], 1),
            2 => (values[0], values[1], 1),
            _ => (values[0], values[1], values[2]),
        };
        if (step == 0)
        {
            throw new JinjaRuntimeError("range() arg 3 must not be zero");
        }

        var count = step > 0 ? Math.Max(0, (stop - start + step - 1) / step) : Math.Max(0, (start - stop - step - 1) / -step);
        if (count > MaxRange)
        {
            throw new JinjaRuntimeError($"Range too big. The sandbox blocks ranges larger than MAX_RANGE ({MaxRange}).");
        }

        var result = new List<object?>((int)count);
        for (var i = 0L; i < count; i++)
        {
            result.Add(start + (i * step));
        }

        return result;
    }

    private static JinjaNamespace Namespace(JinjaArguments a)
    {
        var ns = new JinjaNamespace();
        foreach (var positional in a.Positional)
        {
            if (positional is not OrderedDictionary<object, object?> dict)
            {
                throw new JinjaRuntimeError("namespace() takes a dict or keyword arguments");
            }

            foreach (var (k, v) in dict)
            {
                ns.Attributes[PythonFormatting.Str(k)] = v;
            }
        }

        foreach (var (k, v) in a.Keywords)
        {
            ns.Attributes[k] = v;
        }

        return ns;
    }

    private static OrderedDictionary<object, object?> Dict(JinjaRuntime runtime, JinjaArguments a)
    {
        var dict = PythonValues.NewDict();
        if (a.Positional.Count > 1)
        {
            throw new JinjaRuntimeError($"dict expected at most 1 argument, got {a.Positional.Count}");
        }

        if (a.Positional.Count == 1)
        {
            if (a.Positional[0] is OrderedDictionary<object, object?> source)
            {
                foreach (var (k, v) in source)
                {
                    dict[k] = v;
                }
            }
            else
            {
                foreach (var pair in JinjaIteration.Items(runtime, a.Positional[0]))
                {
                    if (pair is not IReadOnlyList<object?> { Count: 2 } kv)
                    {
                        throw new JinjaRuntimeError("dictionary update sequence element has the wrong length; 2 is required");
                    }

                    dict[PythonValues.Key(kv[0])] = kv[1];
                }
            }
        }

        foreach (var (k, v) in a.Keywords)
        {
            dict[k] = v;
        }

        return dict;
    }

    private static JinjaFunction Joiner(JinjaArguments a)
    {
        var separator = PythonFormatting.Str(a.Expect("joiner", "sep").Get(0, "sep", ", "));
        var used = false;
        return JinjaFunction.Builtin("joiner", (_, _) =>
        {
            if (!used)
            {
                used = true;
                return string.Empty;
            }

            return separator;
        });
    }
}
