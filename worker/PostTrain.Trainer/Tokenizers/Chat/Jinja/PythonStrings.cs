// Over 500 lines on purpose: the str methods chat templates call, each a few lines, all sharing code-point indexing
// and provenance tracking; a file per method would scatter one small contract.
using System.Buffers;
using System.Globalization;
using System.Text;

namespace PostTrain.Trainer.Tokenizers.Chat.Jinja;

/// <summary>
/// Python's <c>str</c> operations over .NET strings, indexed by code point as Python does (a .NET string indexes UTF-16
/// units; the two agree unless the text has characters beyond U+FFFF). Operations that take a piece of their input
/// (slices, strip, split, partition) go through <see cref="TextProvenance"/> so tracked text keeps its origin.
/// </summary>
internal static class PythonStrings
{
    private static bool HasSurrogates(string s) => s.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') >= 0;

    /// <summary>Python's <c>len(s)</c>.</summary>
    public static int Length(string s) => HasSurrogates(s) ? s.EnumerateRunes().Count() : s.Length;

    /// <summary>The UTF-16 offset of code point <paramref name="index"/> (0 ≤ index ≤ length).</summary>
    public static int Utf16Offset(string s, int index)
    {
        if (!HasSurrogates(s))
        {
            return index;
        }

        var offset = 0;
        for (var i = 0; i < index; i++)
        {
            offset += char.IsHighSurrogate(s[offset]) && offset + 1 < s.Length && char.IsLowSurrogate(s[offset + 1]) ? 2 : 1;
        }

        return offset;
    }

    /// <summary>The code point index of UTF-16 offset <paramref name="offset"/>.</summary>
    public static int CodePointIndex(string s, int offset) => HasSurrogates(s) ? Length(s[..offset]) : offset;

    /// <summary>Python's <c>slice.indices(length)</c>: normalised start, stop and step.</summary>
    public static (long Start, long Stop, long Step) SliceIndices(long length, long? start, long? stop, long? step)
    {
        var s = step ?? 1;
        if (s == 0)
        {
            throw new JinjaRuntimeError("slice step cannot be zero");
        }

        long Clamp(long? value, long fallback, long low, long high)
        {
            if (value is not { } v)
            {
                return fallback;
            }

            if (v < 0)
            {
                v += length;
            }

            return Math.Clamp(v, low, high);
        }

        return s > 0
            ? (Clamp(start, 0, 0, length), Clamp(stop, length, 0, length), s)
            : (Clamp(start, length - 1, -1, length - 1), Clamp(stop, -1, -1, length - 1), s);
    }

    /// <summary>The positions a slice selects, in order.</summary>
    public static IEnumerable<long> SlicePositions(long length, long? start, long? stop, long? step)
    {
        var (from, to, by) = SliceIndices(length, start, stop, step);
        for (var i = from; by > 0 ? i < to : i > to; i += by)
        {
            yield return i;
        }
    }

    /// <summary><c>s[start:stop:step]</c>.</summary>
    public static string Slice(TextProvenance provenance, string s, long? start, long? stop, long? step)
    {
        var length = Length(s);
        if ((step ?? 1) == 1)
        {
            var (from, to, _) = SliceIndices(length, start, stop, 1);
            if (to <= from)
            {
                return string.Empty;
            }

            var begin = Utf16Offset(s, (int)from);
            return provenance.Substring(s, begin, Utf16Offset(s, (int)to) - begin);
        }

        var runes = s.EnumerateRunes().ToArray();
        var sb = new StringBuilder();
        foreach (var i in SlicePositions(length, start, stop, step))
        {
            sb.Append(runes[i].ToString());
        }

        return sb.ToString();
    }

    /// <summary><c>s[index]</c>, or null when out of range.</summary>
    public static string? At(TextProvenance provenance, string s, long index)
    {
        var length = Length(s);
        if (index < 0)
        {
            index += length;
        }

        if (index < 0 || index >= length)
        {
            return null;
        }

        var begin = Utf16Offset(s, (int)index);
        return provenance.Substring(s, begin, Utf16Offset(s, (int)index + 1) - begin);
    }

    /// <summary>Python's <c>strip</c>, <c>lstrip</c> and <c>rstrip</c>: whitespace, or the characters in <paramref name="chars"/>.</summary>
    public static string Strip(TextProvenance provenance, string s, string? chars, bool left, bool right)
    {
        bool Strippable(Rune r) => chars is null ? r.IsBmp && JinjaLexer.IsPythonSpace((char)r.Value) : chars.EnumerateRunes().Contains(r);
        var start = 0;
        var end = s.Length;
        while (left && start < end && Rune.DecodeFromUtf16(s.AsSpan(start), out var r, out var used) == OperationStatus.Done && Strippable(r))
        {
            start += used;
        }

        while (right && end > start && Rune.DecodeLastFromUtf16(s.AsSpan(start, end - start), out var r, out var used) == OperationStatus.Done && Strippable(r))
        {
            end -= used;
        }

        return provenance.Substring(s, start, end - start);
    }

    /// <summary>Python's <c>split</c> (<paramref name="fromRight"/>: <c>rsplit</c>), with <c>maxsplit</c> (-1: no limit).</summary>
    public static List<object?> Split(TextProvenance provenance, string s, string? separator, long maxSplit, bool fromRight)
    {
        if (separator is { Length: 0 })
        {
            throw new JinjaRuntimeError("empty separator");
        }

        var ranges = separator is null ? WhitespaceSplit(s, maxSplit, fromRight) : SeparatorSplit(s, separator, maxSplit, fromRight);
        return [.. ranges.Select(r => (object?)provenance.Substring(s, r.Start, r.Length))];
    }

    private static List<(int Start, int Length)> SeparatorSplit(string s, string separator, long maxSplit, bool fromRight)
    {
        var ranges = new List<(int, int)>();
        if (!fromRight)
        {
            var start = 0;
            while (maxSplit < 0 || ranges.Count < maxSplit)
            {
                var at = s.IndexOf(separator, start, StringComparison.Ordinal);
                if (at < 0)
                {
                    break;
                }

                ranges.Add((start, at - start));
                start = at + separator.Length;
            }

            ranges.Add((start, s.Length - start));
            return ranges;
        }

        var end = s.Length;
        while (maxSplit < 0 || ranges.Count < maxSplit)
        {
            var at = end - separator.Length < 0 ? -1 : s.LastIndexOf(separator, end - 1, end, StringComparison.Ordinal);
            if (at < 0 || at + separator.Length > end)
            {
                break;
            }

            ranges.Add((at + separator.Length, end - at - separator.Length));
            end = at;
        }

        ranges.Add((0, end));
        ranges.Reverse();
        return ranges;
    }

    private static List<(int Start, int Length)> WhitespaceSplit(string s, long maxSplit, bool fromRight)
    {
        var ranges = new List<(int, int)>();
        if (!fromRight)
        {
            var i = 0;
            while (true)
            {
                while (i < s.Length && JinjaLexer.IsPythonSpace(s[i]))
                {
                    i++;
                }

                if (i == s.Length)
                {
                    break;
                }

                if (maxSplit >= 0 && ranges.Count == maxSplit)
                {
                    ranges.Add((i, s.Length - i));
                    break;
                }

                var start = i;
                while (i < s.Length && !JinjaLexer.IsPythonSpace(s[i]))
                {
                    i++;
                }

                ranges.Add((start, i - start));
            }

            return ranges;
        }

        var j = s.Length;
        while (true)
        {
            while (j > 0 && JinjaLexer.IsPythonSpace(s[j - 1]))
            {
                j--;
            }

            if (j == 0)
            {
                break;
            }

            if (maxSplit >= 0 && ranges.Count == maxSplit)
            {
                ranges.Add((0, j));
                break;
            }

            var end = j;
            while (j > 0 && !JinjaLexer.IsPythonSpace(s[j - 1]))
            {
                j--;
            }

            ranges.Add((j, end - j));
        }

        ranges.Reverse();
        return ranges;
    }

    /// <summary>Python's <c>splitlines</c>: breaks at <c>\n \r \r\n \v \f \x1c \x1d \x1e \x85 \u2028 \u2029</c>.</summary>
    public static List<string> SplitLines(string s, bool keepEnds)
    {
        var lines = new List<string>();
        var start = 0;
        var i = 0;
        while (i < s.Length)
        {
            var c = s[i];
            if (c is '\n' or '\r' or '\v' or '\f' or '\x1c' or '\x1d' or '\x1e' or '\x85' or '\u2028' or '\u2029')
            {
                var breakLength = c == '\r' && i + 1 < s.Length && s[i + 1] == '\n' ? 2 : 1;
                lines.Add(s[start..(keepEnds ? i + breakLength : i)]);
                i += breakLength;
                start = i;
            }
            else
            {
                i++;
            }
        }

        if (start < s.Length)
        {
            lines.Add(s[start..]);
        }

        return lines;
    }

    /// <summary>Python's <c>str.replace(old, new, count)</c>; an empty <paramref name="old"/> inserts between characters.</summary>
    public static string Replace(string s, string old, string replacement, long count)
    {
        if (count < 0 && old.Length > 0)
        {
            return s.Replace(old, replacement, StringComparison.Ordinal);
        }

        var sb = new StringBuilder();
        var done = 0L;
        if (old.Length == 0)
        {
            foreach (var rune in s.EnumerateRunes())
            {
                if (count < 0 || done < count)
                {
                    sb.Append(replacement);
                    done++;
                }

                sb.Append(rune.ToString());
            }

            return count < 0 || done < count ? sb.Append(replacement).ToString() : sb.ToString();
        }

        var start = 0;
        while (done < count)
        {
            var at = s.IndexOf(old, start, StringComparison.Ordinal);
            if (at < 0)
            {
                break;
            }

            sb.Append(s, start, at - start).Append(replacement);
            start = at + old.Length;
            done++;
        }

        return sb.Append(s, start, s.Length - start).ToString();
    }

    public static string Lower(string s) => s.ToLowerInvariant();

    public static string Upper(string s) => s.ToUpperInvariant();

    private static bool IsCased(Rune r) => Rune.GetUnicodeCategory(r) is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter;

    /// <summary>Python's <c>str.title()</c>: a cased character after a cased one is lowered, any other is uppered.</summary>
    public static string Title(string s)
    {
        var sb = new StringBuilder(s.Length);
        var previousCased = false;
        foreach (var rune in s.EnumerateRunes())
        {
            sb.Append((previousCased ? Rune.ToLowerInvariant(rune) : Rune.ToUpperInvariant(rune)).ToString());
            previousCased = IsCased(rune);
        }

        return sb.ToString();
    }

    /// <summary>Python's <c>str.capitalize()</c>: the first character uppered, the rest lowered.</summary>
    public static string Capitalize(string s)
    {
        if (s.Length == 0)
        {
            return s;
        }

        var first = Rune.GetRuneAt(s, 0);
        return Rune.ToUpperInvariant(first).ToString() + s[first.Utf16SequenceLength..].ToLowerInvariant();
    }

    /// <summary>Python's <c>str.swapcase()</c>.</summary>
    public static string SwapCase(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (var rune in s.EnumerateRunes())
        {
            sb.Append((Rune.IsUpper(rune) ? Rune.ToLowerInvariant(rune) : Rune.IsLower(rune) ? Rune.ToUpperInvariant(rune) : rune).ToString());
        }

        return sb.ToString();
    }

    /// <summary>Python's <c>find</c>/<c>rfind</c> in code points; -1 when absent.</summary>
    public static long Find(string s, string sub, long? start, long? end, bool fromRight)
    {
        var length = Length(s);
        var (from, to, _) = SliceIndices(length, start, end, 1);
        if (to < from || sub.Length > 0 && to - from < Length(sub))
        {
            return sub.Length == 0 && from <= to ? (fromRight ? to : from) : -1;
        }

        var begin = Utf16Offset(s, (int)from);
        var stop = Utf16Offset(s, (int)to);
        var window = s[begin..stop];
        var at = fromRight ? window.LastIndexOf(sub, StringComparison.Ordinal) : window.IndexOf(sub, StringComparison.Ordinal);
        return at < 0 ? -1 : from + CodePointIndex(window, at);
    }

    /// <summary>Python's <c>count</c>: non-overlapping occurrences.</summary>
    public static long Count(string s, string sub)
    {
        if (sub.Length == 0)
        {
            return Length(s) + 1;
        }

        long n = 0;
        for (var at = s.IndexOf(sub, StringComparison.Ordinal); at >= 0; at = s.IndexOf(sub, at + sub.Length, StringComparison.Ordinal))
        {
            n++;
        }

        return n;
    }

    /// <summary>Python's <c>center</c>, <c>ljust</c>, <c>rjust</c>: pads to <paramref name="width"/> code points.</summary>
    public static string Pad(string s, long width, string fill, char align)
    {
        var length = Length(s);
        if (width <= length)
        {
            return s;
        }

        var padding = (int)(width - length);
        var left = align switch
        {
            'l' => 0,
            'r' => padding,
            _ => (padding / 2) + (padding & (int)width & 1),
        };
        return string.Concat(Enumerable.Repeat(fill, left)) + s + string.Concat(Enumerable.Repeat(fill, padding - left));
    }

    /// <summary>Python's <c>str.zfill</c>.</summary>
    public static string ZFill(string s, long width)
    {
        var length = Length(s);
        if (width <= length)
        {
            return s;
        }

        var sign = s.Length > 0 && s[0] is '+' or '-' ? s[..1] : string.Empty;
        return sign + new string('0', (int)(width - length)) + s[sign.Length..];
    }

    /// <summary>Python's <c>isdigit</c>, <c>isalpha</c>, <c>isalnum</c>, <c>isspace</c>, <c>isupper</c>, <c>islower</c> (false for the empty string).</summary>
    public static bool Is(string s, string what)
    {
        var runes = s.EnumerateRunes().ToList();
        if (runes.Count == 0)
        {
            return false;
        }

        return what switch
        {
            "isdigit" or "isnumeric" or "isdecimal" => runes.All(Rune.IsDigit),
            "isalpha" => runes.All(Rune.IsLetter),
            "isalnum" => runes.All(Rune.IsLetterOrDigit),
            "isspace" => runes.All(r => r.IsBmp && JinjaLexer.IsPythonSpace((char)r.Value)),
            "isupper" => runes.Any(IsCased) && !runes.Any(r => Rune.IsLower(r) || Rune.GetUnicodeCategory(r) == UnicodeCategory.TitlecaseLetter),
            "islower" => runes.Any(IsCased) && !runes.Any(r => Rune.IsUpper(r) || Rune.GetUnicodeCategory(r) == UnicodeCategory.TitlecaseLetter),
            _ => throw new ArgumentOutOfRangeException(nameof(what), what, "unknown predicate"),
        };
    }

    /// <summary>Compares by code point (Python's string order), not by UTF-16 unit.</summary>
    public static int CompareCodePoints(string a, string b)
    {
        var n = Math.Min(a.Length, b.Length);
        for (var i = 0; i < n; i++)
        {
            if (a[i] != b[i])
            {
                return Fix(a[i]).CompareTo(Fix(b[i]));
            }
        }

        return a.Length.CompareTo(b.Length);

        static int Fix(char c) => c >= '\uE000' ? c - 0x800 : c >= '\uD800' ? c + 0x2000 : c;
    }

    /// <summary>Python's <c>int(text, base)</c> for base 10 or 0 prefixes; null when the text is no integer.</summary>
    public static long? ParseInt(string text, long numberBase)
    {
        var t = text.Trim().Replace("_", string.Empty, StringComparison.Ordinal);
        var negative = false;
        if (t.Length > 0 && t[0] is '+' or '-')
        {
            negative = t[0] == '-';
            t = t[1..];
        }

        var radix = (int)numberBase;
        if (t.Length > 2 && t[0] == '0' && char.ToLowerInvariant(t[1]) is 'x' or 'o' or 'b')
        {
            var prefixed = char.ToLowerInvariant(t[1]) switch { 'x' => 16, 'o' => 8, _ => 2 };
            if (radix == 0 || radix == prefixed)
            {
                radix = prefixed;
                t = t[2..];
            }
        }

        if (radix == 0)
        {
            radix = 10;
        }

        if (t.Length == 0)
        {
            return null;
        }

        long value = 0;
        foreach (var c in t)
        {
            var digit = char.IsAsciiDigit(c) ? c - '0' : char.IsAsciiLetter(c) ? char.ToLowerInvariant(c) - 'a' + 10 : 99;
            if (digit >= radix)
            {
                return null;
            }

            value = checked((value * radix) + digit);
        }

        return negative ? -value : value;
    }

    /// <summary>Python's <c>float(text)</c>; null when the text is no float.</summary>
    public static double? ParseFloat(string text)
    {
        var t = text.Trim().Replace("_", string.Empty, StringComparison.Ordinal);
        switch (t.ToLowerInvariant())
        {
            case "nan" or "+nan" or "-nan":
                return double.NaN;
            case "inf" or "+inf" or "infinity" or "+infinity":
                return double.PositiveInfinity;
            case "-inf" or "-infinity":
                return double.NegativeInfinity;
        }

        return t.Length > 0 && (char.IsAsciiDigit(t[^1]) || t[^1] == '.') && double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;
    }
}
