using System.Globalization;
using System.Text;

namespace PostTrain.Trainer.Tokenizers.Chat.Jinja;

/// <summary>
/// Python's <c>format % values</c> (and Jinja's <c>format</c> filter): <c>%s %r %d %i %f %F %x %X %o %%</c> with flags
/// <c>- + 0 space</c>, width and precision, and <c>%(name)s</c> with a dict. Other conversions fail, naming them.
/// </summary>
internal static class PythonPrintf
{
    public static string Format(string format, object? values)
    {
        var positional = values switch
        {
            JinjaTuple t => (IReadOnlyList<object?>)t,
            _ => [values],
        };
        var mapping = values as OrderedDictionary<object, object?>;
        var next = 0;
        var sb = new StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%')
            {
                sb.Append(format[i]);
                continue;
            }

            if (++i >= format.Length)
            {
                throw new JinjaRuntimeError("incomplete format");
            }

            object? value = null;
            var haveValue = false;
            if (format[i] == '(')
            {
                var close = format.IndexOf(')', i);
                if (close < 0 || mapping is null)
                {
                    throw new JinjaRuntimeError("format requires a mapping");
                }

                var key = format[(i + 1)..close];
                value = mapping.TryGetValue(key, out var v) ? v : throw new JinjaRuntimeError($"KeyError: '{key}'");
                haveValue = true;
                i = close + 1;
            }

            var flags = string.Empty;
            while (i < format.Length && format[i] is '-' or '+' or '0' or ' ' or '#')
            {
                flags += format[i++];
            }

            var width = ReadNumber(format, ref i);
            int? precision = null;
            if (i < format.Length && format[i] == '.')
            {
                i++;
                precision = ReadNumber(format, ref i) ?? 0;
            }

            if (i >= format.Length)
            {
                throw new JinjaRuntimeError("incomplete format");
            }

            var conversion = format[i];
            if (conversion == '%')
            {
                sb.Append('%');
                continue;
            }

            if (!haveValue)
            {
                if (next >= positional.Count)
                {
                    throw new JinjaRuntimeError("not enough arguments for format string");
                }

                value = positional[next++];
            }

            var text = conversion switch
            {
                's' => PythonFormatting.Str(value),
                'r' or 'a' => PythonFormatting.Repr(value),
                'd' or 'i' or 'u' => Integer(value, conversion).ToString(CultureInfo.InvariantCulture),
                'x' => Integer(value, conversion).ToString("x", CultureInfo.InvariantCulture),
                'X' => Integer(value, conversion).ToString("X", CultureInfo.InvariantCulture),
                'o' => Convert.ToString(Integer(value, conversion), 8),
                'f' or 'F' => Number(value, conversion).ToString("F" + (precision ?? 6).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture),
                _ => throw new JinjaRuntimeError($"unsupported format character '{conversion}'"),
            };
            if (conversion is 's' or 'r' or 'a' && precision is { } p && p < text.Length)
            {
                text = text[..p];
            }

            if (conversion is not ('s' or 'r' or 'a') && !text.StartsWith('-'))
            {
                text = (flags.Contains('+', StringComparison.Ordinal) ? "+" : flags.Contains(' ', StringComparison.Ordinal) ? " " : string.Empty) + text;
            }

            if (width is { } w && text.Length < w)
            {
                text = flags.Contains('-', StringComparison.Ordinal) ? text.PadRight(w)
                    : flags.Contains('0', StringComparison.Ordinal) && conversion is not ('s' or 'r' or 'a') ? ZeroPad(text, w)
                    : text.PadLeft(w);
            }

            sb.Append(text);
        }

        if (mapping is null && next < positional.Count && values is JinjaTuple)
        {
            throw new JinjaRuntimeError("not all arguments converted during string formatting");
        }

        return sb.ToString();
    }

    private static int? ReadNumber(string format, ref int i)
    {
        var start = i;
        while (i < format.Length && char.IsAsciiDigit(format[i]))
        {
            i++;
        }

        return i > start ? int.Parse(format.AsSpan(start, i - start), CultureInfo.InvariantCulture) : null;
    }

    private static string ZeroPad(string text, int width)
    {
        var sign = text.Length > 0 && text[0] is '-' or '+' or ' ' ? text[..1] : string.Empty;
        return sign + text[sign.Length..].PadLeft(width - sign.Length, '0');
    }

    private static long Integer(object? value, char conversion) => value switch
    {
        bool or long => PythonValues.ToLong(value),
        double d => (long)Math.Truncate(d),
        _ => throw new JinjaRuntimeError($"%{conversion} format: a real number is required, not {PythonValues.TypeName(value)}"),
    };

    private static double Number(object? value, char conversion) => PythonValues.IsNumber(value)
        ? PythonValues.ToDouble(value)
        : throw new JinjaRuntimeError($"must be real number, not {PythonValues.TypeName(value)} (in %{conversion})");
}
