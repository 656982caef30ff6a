using System.Runtime.CompilerServices;

namespace PostTrain.Trainer.Tokenizers.Chat.Jinja;

/// <summary>
/// Python's object model over the values a template sees: <c>null</c> (None), <see cref="bool"/>, <see cref="long"/>
/// (int), <see cref="double"/> (float), <see cref="string"/>, <c>List&lt;object?&gt;</c> (list), <see cref="JinjaTuple"/>,
/// <c>OrderedDictionary&lt;object, object?&gt;</c> (dict, keys compared by <see cref="KeyComparer"/>),
/// <see cref="JinjaUndefined"/>, <see cref="JinjaNamespace"/>, <see cref="JinjaLoop"/> and <see cref="JinjaFunction"/>:
/// type names, truth, equality and hashing.
/// </summary>
internal static class PythonValues
{
    /// <summary>Dictionary keys compared and hashed as Python does (<c>1 == 1.0 == True</c>).</summary>
    public static IEqualityComparer<object> KeyComparer { get; } = new PythonKeyComparer();

    /// <summary>A new empty dict.</summary>
    public static OrderedDictionary<object, object?> NewDict() => new(KeyComparer);

    /// <summary>A dict key: None cannot be one here.</summary>
    public static object Key(object? key) => key ?? throw new JinjaRuntimeError("None as a dict key is not supported");

    public static string TypeName(object? value) => value switch
    {
        null => "NoneType",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        JinjaTuple => "tuple",
        PythonDictView view => view.TypeName,
        List<object?> => "list",
        OrderedDictionary<object, object?> => "dict",
        JinjaUndefined => "Undefined",
        JinjaNamespace => "Namespace",
        JinjaLoop => "LoopContext",
        JinjaFunction f => f.TypeName,
        _ => value.GetType().Name,
    };

    /// <summary>Python's <c>bool(value)</c>.</summary>
    public static bool IsTruthy(object? value) => value switch
    {
        null or JinjaUndefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        IReadOnlyCollection<object?> c => c.Count > 0,
        OrderedDictionary<object, object?> d => d.Count > 0,
        _ => true,
    };

    /// <summary>bool, int or float (bool counts, as in Python).</summary>
    public static bool IsNumber(object? value) => value is bool or long or double;

    /// <summary>bool or int.</summary>
    public static bool IsInteger(object? value) => value is bool or long;

    public static long ToLong(object? value) => value switch
    {
        bool b => b ? 1 : 0,
        long l => l,
        _ => throw new InvalidOperationException($"not an int: {TypeName(value)}"),
    };

    public static double ToDouble(object? value) => value switch
    {
        bool b => b ? 1 : 0,
        long l => l,
        double d => d,
        _ => throw new InvalidOperationException($"not a number: {TypeName(value)}"),
    };

    /// <summary>Python's <c>a == b</c>.</summary>
    public static new bool Equals(object? a, object? b)
    {
        if (IsNumber(a) && IsNumber(b))
        {
            return a is double || b is double ? ToDouble(a) == ToDouble(b) : ToLong(a) == ToLong(b);
        }

        switch (a)
        {
            case null:
                return b is null;
            case string s:
                return b is string t && string.Equals(s, t, StringComparison.Ordinal);
            case JinjaUndefined:
                return b is JinjaUndefined;
            case JinjaTuple tuple:
                return b is JinjaTuple otherTuple && SequenceEquals(tuple, otherTuple);
            case List<object?> list:
                return b is List<object?> otherList && SequenceEquals(list, otherList);
            case OrderedDictionary<object, object?> dict:
                if (b is not OrderedDictionary<object, object?> other || other.Count != dict.Count)
                {
                    return false;
                }

                foreach (var (key, value) in dict)
                {
                    if (!other.TryGetValue(key, out var otherValue) || !Equals(value, otherValue))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return ReferenceEquals(a, b);
        }
    }

    private static bool SequenceEquals(IReadOnlyList<object?> x, IReadOnlyList<object?> y)
    {
        if (x.Count != y.Count)
        {
            return false;
        }

        for (var i = 0; i < x.Count; i++)
        {
            if (!Equals(x[i], y[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Python's <c>hash</c> equivalence classes, for dict keys.</summary>
    public static int Hash(object? value) => value switch
    {
        null => 0,
        bool b => (b ? 1L : 0L).GetHashCode(),
        long l => l.GetHashCode(),
        double d when d == Math.Floor(d) && Math.Abs(d) < 9.2e18 => ((long)d).GetHashCode(),
        double d => d.GetHashCode(),
        string s => StringComparer.Ordinal.GetHashCode(s),
        JinjaTuple t => t.Aggregate(17, (h, item) => unchecked((h * 31) + Hash(item))),
        List<object?> or OrderedDictionary<object, object?> => throw new JinjaRuntimeError($"unhashable type: '{TypeName(value)}'"),
        _ => RuntimeHelpers.GetHashCode(value),
    };

    private sealed class PythonKeyComparer : IEqualityComparer<object>
    {
        public new bool Equals(object? x, object? y) => PythonValues.Equals(x, y);

        public int GetHashCode(object obj) => Hash(obj);
    }
}
