using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace PostTrain.Kube.Testing.Validation;

/// <summary>
/// Go's text forms that kube-apiserver's messages are made of: <c>%v</c> of a float64 (strconv 'g' shortest, so
/// <c>1e+06</c>), <c>%q</c> of a string (strconv.Quote), and encoding/json.Marshal of decoded values (sorted keys,
/// HTML-safe escapes, floats in 'f' form between 1e-6 and 1e21).
/// </summary>
internal static class GoFormat
{
    /// <summary>Go's <c>%v</c> of a float64.</summary>
    public static string Float(double value)
    {
        if (double.IsNaN(value))
        {
            return "NaN";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "+Inf" : "-Inf";
        }

        var (negative, digits, point) = ShortestDigits(value);
        var exponent = point - 1;
        var sign = negative ? "-" : "";
        if (exponent < -4 || exponent >= 6)
        {
            // %e with the shortest digits; Go writes at least two exponent digits.
            var mantissa = digits.Length > 1 ? $"{digits[0]}.{digits[1..]}" : digits;
            var expSign = exponent < 0 ? '-' : '+';
            return $"{sign}{mantissa}e{expSign}{Math.Abs(exponent):00}";
        }

        return sign + Fixed(digits, point);
    }

    /// <summary>Go's <c>%v</c> of an int64.</summary>
    public static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Go's strconv.Quote (the <c>%q</c> verb).</summary>
    public static string Quote(string text)
    {
        var sb = new StringBuilder(text.Length + 2);
        sb.Append('"');
        foreach (var rune in text.EnumerateRunes())
        {
            var r = rune.Value;
            switch (r)
            {
                case '"':
                    sb.Append("\\\"");
                    continue;
                case '\\':
                    sb.Append("\\\\");
                    continue;
                case '\a':
                    sb.Append("\\a");
                    continue;
                case '\b':
                    sb.Append("\\b");
                    continue;
                case '\f':
                    sb.Append("\\f");
                    continue;
                case '\n':
                    sb.Append("\\n");
                    continue;
                case '\r':
                    sb.Append("\\r");
                    continue;
                case '\t':
                    sb.Append("\\t");
                    continue;
                case '\v':
                    sb.Append("\\v");
                    continue;
            }

            if (IsPrint(rune))
            {
                sb.Append(rune.ToString());
            }
            else if (r < ' ' || r == 0x7f)
            {
                sb.Append(CultureInfo.InvariantCulture, $"\\x{r:x2}");
            }
            else if (r < 0x10000)
            {
                sb.Append(CultureInfo.InvariantCulture, $"\\u{r:x4}");
            }
            else
            {
                sb.Append(CultureInfo.InvariantCulture, $"\\U{r:x8}");
            }
        }

        sb.Append('"');
        return sb.ToString();
    }

    /// <summary>encoding/json.Marshal of a decoded JSON value.</summary>
    public static string Json(JsonNode? node)
    {
        var sb = new StringBuilder();
        WriteJson(sb, node);
        return sb.ToString();
    }

    /// <summary>encoding/json.Marshal of a string.</summary>
    public static string JsonString(string text)
    {
        var sb = new StringBuilder();
        WriteJsonString(sb, text);
        return sb.ToString();
    }

    /// <summary>encoding/json.Marshal of a float64.</summary>
    public static string JsonFloat(double value)
    {
        var abs = Math.Abs(value);
        var (negative, digits, point) = ShortestDigits(value);
        var sign = negative ? "-" : "";
        if (abs != 0 && (abs < 1e-6 || abs >= 1e21))
        {
            var exponent = point - 1;
            var mantissa = digits.Length > 1 ? $"{digits[0]}.{digits[1..]}" : digits;
            var expSign = exponent < 0 ? '-' : '+';
            // strconv writes two exponent digits; encoding/json then trims "e-07" to "e-7".
            var exp = exponent < 0 ? Math.Abs(exponent).ToString(CultureInfo.InvariantCulture) : Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);
            return $"{sign}{mantissa}e{expSign}{exp}";
        }

        return sign + Fixed(digits, point);
    }

    private static void WriteJson(StringBuilder sb, JsonNode? node)
    {
        switch (JsonData.Kind(node))
        {
            case GoKind.Null:
                sb.Append("null");
                break;
            case GoKind.Bool:
                sb.Append(JsonData.Bool(node) ? "true" : "false");
                break;
            case GoKind.Int64:
                JsonData.TryInt64(node, out var i);
                sb.Append(Int(i));
                break;
            case GoKind.Float64:
                sb.Append(JsonFloat(JsonData.Double(node)));
                break;
            case GoKind.String:
                WriteJsonString(sb, JsonData.String(node));
                break;
            case GoKind.Array:
                sb.Append('[');
                var first = true;
                foreach (var item in (JsonArray)node!)
                {
                    if (!first)
                    {
                        sb.Append(',');
                    }

                    first = false;
                    WriteJson(sb, item);
                }

                sb.Append(']');
                break;
            default:
                sb.Append('{');
                var firstKey = true;
                foreach (var (key, value) in ((JsonObject)node!).OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (!firstKey)
                    {
                        sb.Append(',');
                    }

                    firstKey = false;
                    WriteJsonString(sb, key);
                    sb.Append(':');
                    WriteJson(sb, value);
                }

                sb.Append('}');
                break;
        }
    }

    private static void WriteJsonString(StringBuilder sb, string text)
    {
        sb.Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"':
                    sb.Append("\\\"");
                    break;
                case '\\':
                    sb.Append("\\\\");
                    break;
                case '\n':
                    sb.Append("\\n");
                    break;
                case '\r':
                    sb.Append("\\r");
                    break;
                case '\t':
                    sb.Append("\\t");
                    break;
                case '<' or '>' or '&' or '\u2028' or '\u2029':
                    sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
                    break;
                default:
                    if (c < ' ')
                    {
                        sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        sb.Append('"');
    }

    /// <summary>The shortest round-trip decimal digits of |value| and the position of the decimal point.</summary>
    private static (bool Negative, string Digits, int Point) ShortestDigits(double value)
    {
        var negative = value < 0 || (value == 0 && double.IsNegative(value));
        var text = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        var exponent = 0;
        var e = text.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exponent = int.Parse(text[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            text = text[..e];
        }

        var dot = text.IndexOf('.', StringComparison.Ordinal);
        var intPart = dot >= 0 ? text[..dot] : text;
        var fracPart = dot >= 0 ? text[(dot + 1)..] : "";
        var digits = intPart + fracPart;
        var point = intPart.Length + exponent;
        var leading = 0;
        while (leading < digits.Length - 1 && digits[leading] == '0')
        {
            leading++;
        }

        digits = digits[leading..];
        point -= leading;
        digits = digits.TrimEnd('0');
        if (digits.Length == 0)
        {
            return (negative, "0", 1);
        }

        return (negative, digits, point);
    }

    private static string Fixed(string digits, int point)
    {
        if (digits == "0")
        {
            return "0";
        }

        if (point <= 0)
        {
            return "0." + new string('0', -point) + digits;
        }

        if (point >= digits.Length)
        {
            return digits + new string('0', point - digits.Length);
        }

        return digits[..point] + "." + digits[point..];
    }

    /// <summary>Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.</summary>
    private static bool IsPrint(Rune rune)
    {
        if (rune.Value == ' ')
        {
            return true;
        }

        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
                or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark
                or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber
                or UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation
                or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
                or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation
                or UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol or UnicodeCategory.ModifierSymbol
                or UnicodeCategory.OtherSymbol => true,
            _ => false,
        };
    }
}
