namespace PostTrain.Trainer.Tokenizers.Chat.Jinja;

/// <summary>
/// Python's operators on template values: arithmetic (int stays int, <c>/</c> gives a float, <c>//</c> and <c>%</c>
/// floor, <c>+</c> joins strings, lists and tuples, <c>*</c> repeats them), ordering, <c>in</c>, and the errors Python
/// raises for mismatched types. Any use of an undefined value fails with its hint, as Jinja2's Undefined does.
/// </summary>
internal static class PythonOperators
{
    public static object? Binary(JinjaRuntime runtime, string op, object? a, object? b)
    {
        FailIfUndefined(a);
        FailIfUndefined(b);
        return op switch
        {
            "+" => Add(runtime, a, b),
            "-" => Arithmetic(op, a, b, (x, y) => checked(x - y), (x, y) => x - y),
            "*" => Multiply(a, b),
            "/" => Divide(a, b),
            "//" => FloorDivide(a, b),
            "%" => a is string format ? PythonPrintf.Format(format, b) : Modulo(a, b),
            "**" => Power(a, b),
            _ => throw new JinjaRuntimeError($"unknown operator '{op}'"),
        };
    }

    /// <summary>Throws the undefined value's own message.</summary>
    public static void FailIfUndefined(object? value)
    {
        if (value is JinjaUndefined undefined)
        {
            throw new JinjaRuntimeError(undefined.Hint);
        }
    }

    private static JinjaRuntimeError Unsupported(string op, object? a, object? b) =>
        new($"unsupported operand type(s) for {op}: '{PythonValues.TypeName(a)}' and '{PythonValues.TypeName(b)}'");

    private static object Arithmetic(string op, object? a, object? b, Func<long, long, long> integer, Func<double, double, double> real)
    {
        if (!PythonValues.IsNumber(a) || !PythonValues.IsNumber(b))
        {
            throw Unsupported(op, a, b);
        }

        if (PythonValues.IsInteger(a) && PythonValues.IsInteger(b))
        {
            try
            {
                return integer(PythonValues.ToLong(a), PythonValues.ToLong(b));
            }
            catch (OverflowException)
            {
                throw new JinjaRuntimeError($"integer overflow in '{op}' (integers beyond 64 bits are not supported)");
            }
        }

        return real(PythonValues.ToDouble(a), PythonValues.ToDouble(b));
    }

    private static object? Add(JinjaRuntime runtime, object? a, object? b) => (a, b) switch
    {
        (string x, string y) => runtime.Provenance.Concat([x, y]),
        (JinjaTuple x, JinjaTuple y) => new JinjaTuple([.. x, .. y]),
        (List<object?> x, List<object?> y) => new List<object?>([.. x, .. y]),
        _ when PythonValues.IsNumber(a) && PythonValues.IsNumber(b) => Arithmetic("+", a, b, (x, y) => checked(x + y), (x, y) => x + y),
        _ when a is string && b is not string => throw new JinjaRuntimeError($"can only concatenate str (not \"{PythonValues.TypeName(b)}\") to str"),
        _ when a is List<object?> => throw new JinjaRuntimeError($"can only concatenate list (not \"{PythonValues.TypeName(b)}\") to list"),
        _ => throw Unsupported("+", a, b),
    };

    private static object? Multiply(object? a, object? b)
    {
        if (PythonValues.IsNumber(a) && PythonValues.IsNumber(b))
        {
            return Arithmetic("*", a, b, (x, y) => checked(x * y), (x, y) => x * y);
        }

        var (sequence, times) = PythonValues.IsInteger(b) ? (a, b) : PythonValues.IsInteger(a) ? (b, a) : (null, null);
        var n = times is null ? 0 : Math.Max(0, PythonValues.ToLong(times));
        return sequence switch
        {
            string s => string.Concat(Enumerable.Repeat(s, (int)n)),
            List<object?> list => new List<object?>(Enumerable.Repeat(list, (int)n).SelectMany(x => x)),
            JinjaTuple tuple => new JinjaTuple([.. Enumerable.Repeat(tuple, (int)n).SelectMany(x => x)]),
            _ => throw Unsupported("*", a, b),
        };
    }

    private static double Divide(object? a, object? b)
    {
        if (!PythonValues.IsNumber(a) || !PythonValues.IsNumber(b))
        {
            throw Unsupported("/", a, b);
        }

        var divisor = PythonValues.ToDouble(b);
        return divisor == 0 ? throw new JinjaRuntimeError("division by zero") : PythonValues.ToDouble(a) / divisor;
    }

    private static object FloorDivide(object? a, object? b)
    {
        if (PythonValues.IsNumber(b) && PythonValues.ToDouble(b) == 0)
        {
            throw new JinjaRuntimeError("integer division or modulo by zero");
        }

        return Arithmetic("//", a, b, (x, y) => x % y != 0 && (x < 0) != (y < 0) ? (x / y) - 1 : x / y, (x, y) => Math.Floor(x / y));
    }

    private static object Modulo(object? a, object? b)
    {
        if (PythonValues.IsNumber(b) && PythonValues.ToDouble(b) == 0)
        {
            throw new JinjaRuntimeError("integer division or modulo by zero");
        }

        return Arithmetic("%", a, b, (x, y) => ((x % y) + y) % y, (x, y) =>
        {
            var r = x % y;
            return r != 0 && (r < 0) != (y < 0) ? r + y : r;
        });
    }

    private static object Power(object? a, object? b)
    {
        if (PythonValues.IsInteger(a) && PythonValues.IsInteger(b) && PythonValues.ToLong(b) >= 0)
        {
            long result = 1;
            var x = PythonValues.ToLong(a);
            try
            {
                for (var i = PythonValues.ToLong(b); i > 0; i--)
                {
                    result = checked(result * x);
                }
            }
            catch (OverflowException)
            {
                throw new JinjaRuntimeError("integer overflow in '**' (integers beyond 64 bits are not supported)");
            }

            return result;
        }

        if (!PythonValues.IsNumber(a) || !PythonValues.IsNumber(b))
        {
            throw Unsupported("**", a, b);
        }

        return Math.Pow(PythonValues.ToDouble(a), PythonValues.ToDouble(b));
    }

    public static object? Negate(object? value)
    {
        FailIfUndefined(value);
        return value switch
        {
            bool or long => (object)checked(-PythonValues.ToLong(value)),
            double d => -d,
            _ => throw new JinjaRuntimeError($"bad operand type for unary -: '{PythonValues.TypeName(value)}'"),
        };
    }

    public static object? Plus(object? value)
    {
        FailIfUndefined(value);
        return value switch
        {
            bool or long => (object)PythonValues.ToLong(value),
            double d => d,
            _ => throw new JinjaRuntimeError($"bad operand type for unary +: '{PythonValues.TypeName(value)}'"),
        };
    }

    /// <summary>Python's <c>a op b</c> for <c>== != &lt; &lt;= &gt; &gt;= in</c> and <c>not in</c>.</summary>
    public static bool Compare(string op, object? a, object? b)
    {
        switch (op)
        {
            case "==":
                return PythonValues.Equals(a, b);
            case "!=":
                return !PythonValues.Equals(a, b);
            case "in":
                return Contains(b, a);
            case "not in":
                return !Contains(b, a);
        }

        FailIfUndefined(a);
        FailIfUndefined(b);
        var order = Order(op, a, b);
        return op switch
        {
            "<" => order < 0,
            "<=" => order <= 0,
            ">" => order > 0,
            _ => order >= 0,
        };
    }

    /// <summary>Python's ordering of two values, or the TypeError Python raises.</summary>
    public static int Order(string op, object? a, object? b)
    {
        if (PythonValues.IsNumber(a) && PythonValues.IsNumber(b))
        {
            return PythonValues.IsInteger(a) && PythonValues.IsInteger(b)
                ? PythonValues.ToLong(a).CompareTo(PythonValues.ToLong(b))
                : PythonValues.ToDouble(a).CompareTo(PythonValues.ToDouble(b));
        }

        switch (a, b)
        {
            case (string x, string y):
                return PythonStrings.CompareCodePoints(x, y);
            case (List<object?> x, List<object?> y):
                return OrderSequences(op, x, y);
            case (JinjaTuple x, JinjaTuple y):
                return OrderSequences(op, x, y);
            default:
                throw new JinjaRuntimeError($"'{op}' not supported between instances of '{PythonValues.TypeName(a)}' and '{PythonValues.TypeName(b)}'");
        }
    }

    private static int OrderSequences(string op, IReadOnlyList<object?> x, IReadOnlyList<object?> y)
    {
        for (var i = 0; i < Math.Min(x.Count, y.Count); i++)
        {
            if (!PythonValues.Equals(x[i], y[i]))
            {
                return Order(op, x[i], y[i]);
            }
        }

        return x.Count.CompareTo(y.Count);
    }

    /// <summary>Python's <c>item in container</c>.</summary>
    public static bool Contains(object? container, object? item) => container switch
    {
        string s when item is string sub => s.Contains(sub, StringComparison.Ordinal),
        string => throw new JinjaRuntimeError($"'in <string>' requires string as left operand, not {PythonValues.TypeName(item)}"),
        IReadOnlyList<object?> list => list.Any(x => PythonValues.Equals(x, item)),
        OrderedDictionary<object, object?> dict => item is not null && dict.ContainsKey(item),
        JinjaUndefined => false,
        _ => throw new JinjaRuntimeError($"argument of type '{PythonValues.TypeName(container)}' is not iterable"),
    };
}
