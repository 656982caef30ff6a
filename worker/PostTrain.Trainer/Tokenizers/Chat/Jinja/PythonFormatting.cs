using System.Globalization;
using System.Text;

namespace PostTrain.Trainer.Tokenizers.Chat.Jinja;

/// <summary>
/// Python's <c>str()</c> and <c>repr()</c> of template values, which is how <c>{{ value }}</c> renders: <c>None</c>,
/// <c>True</c>, <c>5</c> but <c>5.0</c> for a float, floats in the shortest form that round-trips (<c>1e+16</c>,
/// <c>1e-05</c>), lists as <c>['a', 1]</c>, tuples as <c>(1,)</c>, dicts as <c>{'k': 'v'}</c>, and undefined as nothing.
/// </summary>
internal static class PythonFormatting
{
    /// <summary>Python's <c>str(value)</c> (Jinja2's undefined gives the empty string).</summary>
    public static string Str(object? value) => value switch
    {
        string s => s,
        JinjaUndefined => string.Empty,
        _ => Repr(value),
    };

    /// <summary>Python's <c>repr(value)</c>.</summary>
    public static string Repr(object? value)
    {
        var sb = new StringBuilder();
        AppendRepr(sb, value);
        return sb.ToString();
    }

    private static void AppendRepr(StringBuilder sb, object? value)
    {
        switch (value)
        {
            case null:
                sb.Append("None");
                break;
            case bool b:
                sb.Append(b ? "True" : "False");
                break;
            case long l:
                sb.Append(l.ToString(CultureInfo.InvariantCulture));
                break;
            case double d:
                sb.Append(FloatRepr(d));
                break;
            case string s:
                AppendStringRepr(sb, s);
                break;
            case JinjaTuple t:
                sb.Append('(');
                AppendItems(sb, t);
                sb.Append(t.Count == 1 ? ",)" : ")");
                break;
            case PythonDictView view:
                sb.Append(view.TypeName).Append("([");
                AppendItems(sb, view);
                sb.Append("])");
                break;
            case List<object?> list:
                sb.Append('[');
                AppendItems(sb, list);
                sb.Append(']');
                break;
            case OrderedDictionary<object, object?> dict:
                sb.Append('{');
                var first = true;
                foreach (var (k, v) in dict)
                {
                    sb.Append(first ? string.Empty : ", ");
                    first = false;
                    AppendRepr(sb, k);
                    sb.Append(": ");
                    AppendRepr(sb, v);
                }

                sb.Append('}');
                break;
            case JinjaUndefined:
                sb.Append("Undefined");
                break;
            case JinjaNamespace ns:
                sb.Append("<Namespace {");
                var firstAttribute = true;
                foreach (var (k, v) in ns.Attributes)
                {
                    sb.Append(firstAttribute ? string.Empty : ", ");
                    firstAttribute = false;
                    AppendStringRepr(sb, k);
                    sb.Append(": ");
                    AppendRepr(sb, v);
                }

                sb.Append("}>");
                break;
            case JinjaFunction f:
                sb.Append(f.TypeName == "Macro" ? $"<Macro '{f.Name}'>" : $"<built-in function {f.Name}>");
                break;
            case JinjaLoop loop:
                sb.Append(CultureInfo.InvariantCulture, $"<LoopContext {loop.Index0 + 1}/{loop.Length}>");
                break;
            default:
                sb.Append(value);
                break;
        }
    }

    private static void AppendItems(StringBuilder sb, IReadOnlyList<object?> items)
    {
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(", ");
            }

            AppendRepr(sb, items[i]);
        }
    }

    /// <summary>Python's string repr: single quotes unless the text has one and no double quote; escapes for backslash, the quote, <c>\n \r \t</c> and unprintable characters.</summary>
    private static void AppendStringRepr(StringBuilder sb, string s)
    {
        var quote = s.Contains('\'', StringComparison.Ordinal) && !s.Contains('"', StringComparison.Ordinal) ? '"' : '\'';
        sb.Append(quote);
        foreach (var rune in s.EnumerateRunes())
        {
            var c = rune.Value;
            if (c == quote || c == '\\')
            {
                sb.Append('\\').Append((char)c);
            }
            else if (c == '\n')
            {
                sb.Append("\\n");
            }
            else if (c == '\r')
            {
                sb.Append("\\r");
            }
            else if (c == '\t')
            {
                sb.Append("\\t");
            }
            else if (IsPrintable(rune))
            {
                sb.Append(rune.ToString());
            }
            else if (c < 0x100)
            {
                sb.Append(CultureInfo.InvariantCulture, $"\\x{c:x2}");
            }
            else if (c < 0x10000)
            {
                sb.Append(CultureInfo.InvariantCulture, $"\\u{c:x4}");
            }
            else
            {
                sb.Append(CultureInfo.InvariantCulture, $"\\U{c:x8}");
            }
        }

        sb.Append(quote);
    }

    /// <summary>Python's <c>str.isprintable</c> for one character: not a control, format, surrogate, private-use, unassigned or separator character (space excepted).</summary>
    private static bool IsPrintable(Rune rune)
    {
        if (rune.Value == ' ')
        {
            return true;
        }

        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
                or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                or UnicodeCategory.SpaceSeparator => false,
            _ => true,
        };
    }

    /// <summary>Python's <c>repr(float)</c>: the shortest digits that round-trip, positional when the exponent is in [-4, 16), else <c>d.ddde±XX</c>.</summary>
    public static string FloatRepr(double d)
    {
        if (double.IsNaN(d))
        {
            return "nan";
        }

        if (double.IsInfinity(d))
        {
            return d > 0 ? "inf" : "-inf";
        }

        if (d == 0)
        {
            return double.IsNegative(d) ? "-0.0" : "0.0";
        }

        var (negative, digits, pointPosition) = ShortestDigits(d);
        string body;
        if (pointPosition > -4 && pointPosition <= 16)
        {
            body = pointPosition <= 0 ? "0." + new string('0', -pointPosition) + digits
                : pointPosition >= digits.Length ? digits + new string('0', pointPosition - digits.Length) + ".0"
                : digits[..pointPosition] + "." + digits[pointPosition..];
        }
        else
        {
            var exponent = pointPosition - 1;
            body = digits[..1] + (digits.Length > 1 ? "." + digits[1..] : string.Empty) + "e" + (exponent < 0 ? "-" : "+")
                + Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);
        }

        return negative ? "-" + body : body;
    }

    /// <summary>The shortest round-trip digits of a non-zero finite double, and where the decimal point goes (value = 0.digits × 10^point).</summary>
    public static (bool Negative, string Digits, int PointPosition) ShortestDigits(double d)
    {
        var r = d.ToString("R", CultureInfo.InvariantCulture);
        var negative = r[0] == '-';
        if (negative)
        {
            r = r[1..];
        }

        var e = r.IndexOf('E', StringComparison.Ordinal);
        var exponent = e >= 0 ? int.Parse(r.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) : 0;
        var mantissa = e >= 0 ? r[..e] : r;
        var dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        var digits = dot >= 0 ? mantissa.Remove(dot, 1) : mantissa;
        var integerLength = dot >= 0 ? dot : mantissa.Length;
        var lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0')
        {
            lead++;
        }

        return (negative, digits[lead..].TrimEnd('0'), integerLength + exponent - lead);
    }
}
