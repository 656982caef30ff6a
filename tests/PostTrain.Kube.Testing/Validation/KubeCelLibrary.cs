using System.Collections;
using System.Text.RegularExpressions;
using Cel;

namespace PostTrain.Kube.Testing.Validation;

/// <summary>
/// The part of kube-apiserver's CEL environment (k8s.io/apiserver pkg/cel/library and cel-go's strings extension)
/// that the Cel package lacks: <c>lowerAscii</c> and <c>upperAscii</c> (strings ext); <c>isSorted</c>, <c>sum</c>,
/// <c>min</c>, <c>max</c>, <c>indexOf</c> and <c>lastIndexOf</c> on lists (library/lists.go); <c>find</c> and
/// <c>findAll</c> (library/regex.go). The Cel package's own string extension supplies charAt, indexOf, lastIndexOf,
/// join, replace, split, substring and trim.
/// </summary>
internal static class KubeCelLibrary
{
    /// <summary>A CEL environment with the standard library, the strings extension and these functions.</summary>
    public static CelEnvironment CreateEnvironment()
    {
        var env = new CelEnvironment([], "");
        Cel.Internal.CelStringHandlingFunctions.RegisterStringExtensionFunctions(env);
        env.RegisterFunction("lowerAscii", [typeof(string)], a => MapAscii((string)a[0]!, upper: false));
        env.RegisterFunction("upperAscii", [typeof(string)], a => MapAscii((string)a[0]!, upper: true));
        env.RegisterFunction("isSorted", [typeof(IList)], a => IsSorted((IList)a[0]!));
        env.RegisterFunction("sum", [typeof(IList)], a => Sum((IList)a[0]!));
        env.RegisterFunction("min", [typeof(IList)], a => Extreme((IList)a[0]!, "min", sign: -1));
        env.RegisterFunction("max", [typeof(IList)], a => Extreme((IList)a[0]!, "max", sign: 1));
        env.RegisterFunction("indexOf", [typeof(IList), typeof(object)], a => (long)IndexOf((IList)a[0]!, a[1], last: false));
        env.RegisterFunction("lastIndexOf", [typeof(IList), typeof(object)], a => (long)IndexOf((IList)a[0]!, a[1], last: true));
        env.RegisterFunction("find", [typeof(string), typeof(string)], a => Regex.Match((string)a[0]!, (string)a[1]!) is { Success: true } m ? m.Value : "");
        env.RegisterFunction("findAll", [typeof(string), typeof(string)], a => FindAll((string)a[0]!, (string)a[1]!, -1));
        env.RegisterFunction("findAll", [typeof(string), typeof(string), typeof(long)], a => FindAll((string)a[0]!, (string)a[1]!, (long)a[2]!));
        return env;
    }

    private static string MapAscii(string text, bool upper) =>
        string.Create(text.Length, text, (span, s) =>
        {
            for (var i = 0; i < s.Length; i++)
            {
                var c = s[i];
                span[i] = upper ? (c is >= 'a' and <= 'z' ? (char)(c - 32) : c) : (c is >= 'A' and <= 'Z' ? (char)(c + 32) : c);
            }
        });

    private static bool IsSorted(IList list)
    {
        for (var i = 1; i < list.Count; i++)
        {
            if (Compare(list[i - 1], list[i]) > 0)
            {
                return false;
            }
        }

        return true;
    }

    private static object Sum(IList list)
    {
        if (list.Count == 0)
        {
            return 0L;
        }

        if (list.Cast<object?>().All(x => x is long or int))
        {
            return list.Cast<object>().Aggregate(0L, (acc, x) => checked(acc + Convert.ToInt64(x, System.Globalization.CultureInfo.InvariantCulture)));
        }

        if (list.Cast<object?>().All(x => x is ulong))
        {
            return list.Cast<ulong>().Aggregate(0UL, (acc, x) => checked(acc + x));
        }

        return list.Cast<object>().Sum(x => Convert.ToDouble(x, System.Globalization.CultureInfo.InvariantCulture));
    }

    private static object Extreme(IList list, string name, int sign)
    {
        if (list.Count == 0)
        {
            throw new InvalidOperationException($"{name}(list) argument must not be empty");
        }

        var best = list[0]!;
        foreach (var item in list)
        {
            if (Compare(item, best) * sign > 0)
            {
                best = item!;
            }
        }

        return best;
    }

    private static int IndexOf(IList list, object? value, bool last)
    {
        var found = -1;
        for (var i = 0; i < list.Count; i++)
        {
            if (Equals(Normalize(list[i]), Normalize(value)))
            {
                found = i;
                if (!last)
                {
                    break;
                }
            }
        }

        return found;
    }

    private static List<object?> FindAll(string text, string pattern, long limit)
    {
        var found = new List<object?>();
        foreach (Match match in Regex.Matches(text, pattern))
        {
            if (limit >= 0 && found.Count >= limit)
            {
                break;
            }

            found.Add(match.Value);
        }

        return found;
    }

    private static int Compare(object? a, object? b) => (Normalize(a), Normalize(b)) switch
    {
        (string x, string y) => string.CompareOrdinal(x, y),
        (long x, long y) => x.CompareTo(y),
        (double x, double y) => x.CompareTo(y),
        (long x, double y) => ((double)x).CompareTo(y),
        (double x, long y) => x.CompareTo(y),
        (bool x, bool y) => x.CompareTo(y),
        (IComparable x, _) => x.CompareTo(b),
        _ => throw new InvalidOperationException("no such overload"),
    };

    private static object? Normalize(object? value) => value switch
    {
        int i => (long)i,
        float f => (double)f,
        _ => value,
    };
}
