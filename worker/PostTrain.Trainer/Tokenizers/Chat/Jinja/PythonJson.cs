using System.Globalization;
using System.Text;

namespace PostTrain.Trainer.Tokenizers.Chat.Jinja;

/// <summary>
/// Python's <c>json.dumps</c>, which transformers installs as the <c>tojson</c> filter (<c>ensure_ascii=False</c>,
/// <c>indent</c>, <c>separators</c> and <c>sort_keys</c> as keyword arguments): <c>", "</c> and <c>": "</c> between
/// items (<c>","</c> once indenting), floats as Python prints them, keys in their order unless sorted, and a TypeError
/// for values JSON cannot hold (undefined among them).
/// </summary>
internal static class PythonJson
{
    public static string Dumps(object? value, bool ensureAscii, object? indent, string? itemSeparator, string? keySeparator, bool sortKeys)
    {
        var indentText = indent switch
        {
            null => null,
            bool or long => new string(' ', (int)Math.Max(0, PythonValues.ToLong(indent))),
            string s => s,
            _ => throw new JinjaRuntimeError($"tojson: indent must be an int or a string, not {PythonValues.TypeName(indent)}"),
        };
        var writer = new Writer(ensureAscii, indentText, itemSeparator ?? (indentText is null ? ", " : ","), keySeparator ?? ": ", sortKeys);
        writer.Write(value, 0);
        return writer.ToString();
    }

    private sealed class Writer(bool ensureAscii, string? indent, string itemSeparator, string keySeparator, bool sortKeys)
    {
        private readonly StringBuilder _sb = new();

        public override string ToString() => _sb.ToString();

        public void Write(object? value, int level)
        {
            switch (value)
            {
                case null:
                    _sb.Append("null");
                    break;
                case bool b:
                    _sb.Append(b ? "true" : "false");
                    break;
                case long l:
                    _sb.Append(l.ToString(CultureInfo.InvariantCulture));
                    break;
                case double d:
                    _sb.Append(Float(d));
                    break;
                case string s:
                    WriteString(s);
                    break;
                case IReadOnlyList<object?> list:
                    if (list.Count == 0)
                    {
                        _sb.Append("[]");
                        break;
                    }

                    _sb.Append('[');
                    for (var i = 0; i < list.Count; i++)
                    {
                        _sb.Append(i == 0 ? string.Empty : itemSeparator);
                        NewLine(level + 1);
                        Write(list[i], level + 1);
                    }

                    NewLine(level);
                    _sb.Append(']');
                    break;
                case OrderedDictionary<object, object?> dict:
                    if (dict.Count == 0)
                    {
                        _sb.Append("{}");
                        break;
                    }

                    var pairs = dict.Select(p => (Key: Key(p.Key), p.Value)).ToList();
                    if (sortKeys)
                    {
                        pairs.Sort((x, y) => PythonOperators.Order("<", x.Key.Original, y.Key.Original));
                    }

                    _sb.Append('{');
                    for (var i = 0; i < pairs.Count; i++)
                    {
                        _sb.Append(i == 0 ? string.Empty : itemSeparator);
                        NewLine(level + 1);
                        WriteString(pairs[i].Key.Text);
                        _sb.Append(keySeparator);
                        Write(pairs[i].Value, level + 1);
                    }

                    NewLine(level);
                    _sb.Append('}');
                    break;
                default:
                    throw new JinjaRuntimeError($"Object of type {PythonValues.TypeName(value)} is not JSON serializable");
            }
        }

        private static (string Text, object Original) Key(object key) => key switch
        {
            string s => (s, s),
            bool b => (b ? "true" : "false", b),
            long l => (l.ToString(CultureInfo.InvariantCulture), l),
            double d => (Float(d), d),
            _ => throw new JinjaRuntimeError($"keys must be str, int, float, bool or None, not {PythonValues.TypeName(key)}"),
        };

        private static string Float(double d) => double.IsNaN(d) ? "NaN" : double.IsPositiveInfinity(d) ? "Infinity" : double.IsNegativeInfinity(d) ? "-Infinity" : PythonFormatting.FloatRepr(d);

        private void NewLine(int level)
        {
            if (indent is not null)
            {
                _sb.Append('\n');
                for (var i = 0; i < level; i++)
                {
                    _sb.Append(indent);
                }
            }
        }

        private void WriteString(string s)
        {
            _sb.Append('"');
            foreach (var c in s)
            {
                switch (c)
                {
                    case '"': _sb.Append("\\\""); break;
                    case '\\': _sb.Append("\\\\"); break;
                    case '\n': _sb.Append("\\n"); break;
                    case '\r': _sb.Append("\\r"); break;
                    case '\t': _sb.Append("\\t"); break;
                    case '\b': _sb.Append("\\b"); break;
                    case '\f': _sb.Append("\\f"); break;
                    default:
                        if (c < ' ' || (ensureAscii && c > '\x7f'))
                        {
                            _sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
                        }
                        else
                        {
                            _sb.Append(c);
                        }

                        break;
                }
            }

            _sb.Append('"');
        }
    }
}
