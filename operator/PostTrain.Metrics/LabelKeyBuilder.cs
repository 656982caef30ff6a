using System.Collections.Concurrent;
using System.Globalization;

namespace PostTrain.Metrics;

/// <summary>
/// Renders a measurement's tags as the label text of a series, <c>a="x",b="y"</c>: keys sanitised and
/// sorted (so tag order does not matter), values escaped (backslash, double quote, line feed), empty keys
/// and later duplicates dropped. The text is built in a per-thread buffer so that looking up an existing
/// series allocates nothing.
/// </summary>
internal static class LabelKeyBuilder
{
    private static readonly ConcurrentDictionary<string, string> SanitizedKeys = new(StringComparer.Ordinal);

    [ThreadStatic]
    private static char[]? t_chars;

    [ThreadStatic]
    private static (string Label, object? Value)[]? t_tags;

    /// <summary>Builds the label text into a per-thread buffer valid until the next call on this thread.</summary>
    /// <param name="tags">The measurement's tags. Tags named "le" or "quantile" become "_le" and "_quantile" in every
    /// family: on a histogram "le" would clash with the bucket label, and promtool lints "le" outside histograms and
    /// "quantile" outside summaries (this exposition makes none).</param>
    public static ReadOnlySpan<char> Build(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0)
        {
            return [];
        }

        var sorted = t_tags is { } existing && existing.Length >= tags.Length ? existing : (t_tags = new (string, object?)[Math.Max(8, tags.Length)]);
        var count = 0;
        foreach (var tag in tags)
        {
            if (string.IsNullOrEmpty(tag.Key))
            {
                continue;
            }

            var label = SanitizedKeys.TryGetValue(tag.Key, out var cached) ? cached : SanitizedKeys.GetOrAdd(tag.Key, LabelName);

            // Insertion sort: tag lists are short.
            var i = count - 1;
            while (i >= 0 && string.CompareOrdinal(sorted[i].Label, label) > 0)
            {
                sorted[i + 1] = sorted[i];
                i--;
            }

            sorted[i + 1] = (label, tag.Value);
            count++;
        }

        var chars = t_chars ??= new char[256];
        var length = 0;
        string? previous = null;
        for (var i = 0; i < count; i++)
        {
            var (label, value) = sorted[i];
            sorted[i] = default;
            if (label == previous)
            {
                continue;
            }

            previous = label;
            if (length > 0)
            {
                Append(ref chars, ref length, ",");
            }

            Append(ref chars, ref length, label);
            Append(ref chars, ref length, "=\"");
            AppendEscapedValue(ref chars, ref length, value);
            Append(ref chars, ref length, "\"");
        }

        t_chars = chars;
        return chars.AsSpan(0, length);
    }

    /// <summary>Escapes a label value for both text formats: \ → \\, " → \", line feed → \n.</summary>
    public static string EscapeLabelValue(string value)
    {
        var chars = new char[Math.Max(16, value.Length * 2)];
        var length = 0;
        AppendEscaped(ref chars, ref length, value);
        return new string(chars, 0, length);
    }

    private static void AppendEscapedValue(ref char[] chars, ref int length, object? value)
    {
        switch (value)
        {
            case null:
                return;
            case string s:
                AppendEscaped(ref chars, ref length, s);
                return;
            case bool b:
                Append(ref chars, ref length, b ? "true" : "false");
                return;
            case Enum e:
                AppendEscaped(ref chars, ref length, e.ToString());
                return;
            case ISpanFormattable formattable:
                while (true)
                {
                    if (formattable.TryFormat(chars.AsSpan(length), out var written, default, CultureInfo.InvariantCulture))
                    {
                        // Numbers, dates and Guids never need escaping, but be safe for custom types.
                        if (chars.AsSpan(length, written).IndexOfAny('\\', '"', '\n') < 0)
                        {
                            length += written;
                            return;
                        }

                        AppendEscaped(ref chars, ref length, formattable.ToString(null, CultureInfo.InvariantCulture));
                        return;
                    }

                    Array.Resize(ref chars, chars.Length * 2);
                }

            default:
                AppendEscaped(ref chars, ref length, Convert.ToString(value, CultureInfo.InvariantCulture) ?? "");
                return;
        }
    }

    private static void AppendEscaped(ref char[] chars, ref int length, string value)
    {
        if (value.AsSpan().IndexOfAny('\\', '"', '\n') < 0)
        {
            Append(ref chars, ref length, value);
            return;
        }

        foreach (var c in value)
        {
            switch (c)
            {
                case '\\':
                    Append(ref chars, ref length, "\\\\");
                    break;
                case '"':
                    Append(ref chars, ref length, "\\\"");
                    break;
                case '\n':
                    Append(ref chars, ref length, "\\n");
                    break;
                default:
                    if (length == chars.Length)
                    {
                        Array.Resize(ref chars, chars.Length * 2);
                    }

                    chars[length++] = c;
                    break;
            }
        }
    }

    private static void Append(ref char[] chars, ref int length, string text)
    {
        if (length + text.Length > chars.Length)
        {
            Array.Resize(ref chars, Math.Max(chars.Length * 2, length + text.Length));
        }

        text.CopyTo(chars.AsSpan(length));
        length += text.Length;
    }

    private static string LabelName(string key)
    {
        var label = PrometheusNames.SanitizeLabelName(key);
        return label is "le" or "quantile" ? "_" + label : label;
    }
}
