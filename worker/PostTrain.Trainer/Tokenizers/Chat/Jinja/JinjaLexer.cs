// Over 500 lines on purpose: Jinja's whitespace control (trim_blocks, lstrip_blocks, '-' and '+' markers) acts across
// the boundary between text and tags, so the text scanner and the tag tokenizer stay in one state machine.
using System.Globalization;
using System.Text;

namespace PostTrain.Trainer.Tokenizers.Chat.Jinja;

/// <summary>
/// Splits a template into tokens the way Jinja2's lexer does with Hugging Face's settings (<c>trim_blocks</c> and
/// <c>lstrip_blocks</c> on, <c>keep_trailing_newline</c> off): newlines normalised to <c>\n</c> and one trailing newline
/// dropped; <c>{%- -%}</c>, <c>{{- -}}</c> and <c>{#- -#}</c> strip the whitespace beside them; a block or comment tag
/// removes the newline right after it and the spaces and tabs before it on its line (<c>+</c> turns either off for that
/// tag); <c>{% raw %}</c> bodies are text; inside tags, names, numbers, strings and operators.
/// </summary>
internal sealed class JinjaLexer
{
    private static readonly string[] Operators =
        ["//", "**", "==", "!=", ">=", "<=", "+", "-", "*", "/", "%", "~", "[", "]", "(", ")", "{", "}", ">", "<", "=", ".", ":", "|", ",", ";"];

    private readonly string _source;
    private readonly List<int> _lineStarts = [0];
    private readonly List<JinjaToken> _tokens = [];
    private bool _lineStarting = true;

    private JinjaLexer(string source)
    {
        _source = source;
        for (var i = 0; i < source.Length; i++)
        {
            if (source[i] == '\n')
            {
                _lineStarts.Add(i + 1);
            }
        }
    }

    /// <summary>Tokenizes <paramref name="source"/> (already normalised by <see cref="Normalize"/>); the list ends with an End token.</summary>
    /// <exception cref="JinjaSyntaxException">An unterminated tag, string, comment or raw block, or a character that starts no token.</exception>
    public static List<JinjaToken> Tokenize(string source)
    {
        var lexer = new JinjaLexer(source);
        lexer.Run();
        return lexer._tokens;
    }

    /// <summary>Jinja2's source preparation: <c>\r\n</c> and <c>\r</c> become <c>\n</c>, and one trailing newline is dropped.</summary>
    public static string Normalize(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var text = source.Contains('\r', StringComparison.Ordinal) ? source.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n') : source;
        return text.EndsWith('\n') ? text[..^1] : text;
    }

    /// <summary>Python's <c>str.isspace</c> for one UTF-16 unit (what <c>\s</c> and <c>strip()</c> use).</summary>
    public static bool IsPythonSpace(char c) => char.IsWhiteSpace(c) || c is >= '\x1c' and <= '\x1f';

    /// <summary>The line and column of an offset.</summary>
    public JinjaSourcePosition PositionOf(int offset)
    {
        var index = _lineStarts.BinarySearch(offset);
        var line = index >= 0 ? index : ~index - 1;
        return new JinjaSourcePosition(line + 1, offset - _lineStarts[line] + 1);
    }

    private void Run()
    {
        var pos = 0;
        var n = _source.Length;
        while (pos < n)
        {
            var tag = FindTagStart(pos);
            if (tag < 0)
            {
                AddData(_source[pos..], pos);
                break;
            }

            var text = _source[pos..tag];
            var kind = _source[tag + 1];
            var after = tag + 2;
            var sign = after < n && _source[after] is '-' or '+' ? _source[after] : '\0';
            if (kind == '%' && TryMatchRawBegin(tag, out var rawSign, out var rawBodyStart))
            {
                AddData(Strip(text, rawSign, variable: false), pos);
                pos = ReadRawBody(tag, rawBodyStart);
                continue;
            }

            AddData(Strip(text, sign, variable: kind == '{'), pos);
            var contentStart = after + (sign == '\0' ? 0 : 1);
            pos = kind switch
            {
                '#' => SkipComment(tag, contentStart),
                '{' => ReadTag(tag, contentStart, variable: true),
                _ => ReadTag(tag, contentStart, variable: false),
            };
        }

        _tokens.Add(new JinjaToken(JinjaTokenKind.End, string.Empty, PositionOf(n)));
    }

    private int FindTagStart(int from)
    {
        for (var i = _source.IndexOf('{', from); i >= 0 && i + 1 < _source.Length; i = _source.IndexOf('{', i + 1))
        {
            if (_source[i + 1] is '{' or '%' or '#')
            {
                return i;
            }
        }

        return -1;
    }

    private void AddData(string text, int offset)
    {
        if (text.Length > 0)
        {
            _tokens.Add(new JinjaToken(JinjaTokenKind.Data, text, PositionOf(offset)));
        }
    }

    /// <summary>Whitespace control on the text before a tag: <c>-</c> strips all whitespace; otherwise lstrip_blocks strips the spaces and tabs that alone precede a block or comment tag on its line.</summary>
    private string Strip(string text, char sign, bool variable)
    {
        if (sign == '-')
        {
            var end = text.Length;
            while (end > 0 && IsPythonSpace(text[end - 1]))
            {
                end--;
            }

            return text[..end];
        }

        if (sign != '+' && !variable)
        {
            var lineStart = text.LastIndexOf('\n') + 1;
            if ((lineStart > 0 || _lineStarting) && text.AsSpan(lineStart).IndexOfAnyExcept(' ', '\t') < 0)
            {
                return text[..lineStart];
            }
        }

        return text;
    }

    /// <summary>Consumes a tag end at <paramref name="pos"/>: <c>+%}</c> as is, <c>-%}</c> and the whitespace after it, <c>%}</c> and one newline (trim_blocks; not for <c>}}</c>).</summary>
    private int EndTag(int pos, int markerLength, char sign, bool trimNewline)
    {
        var end = pos + markerLength;
        if (sign == '-')
        {
            while (end < _source.Length && IsPythonSpace(_source[end]))
            {
                end++;
            }
        }
        else if (sign == '\0' && trimNewline && end < _source.Length && _source[end] == '\n')
        {
            end++;
        }

        _lineStarting = end > 0 && _source[end - 1] == '\n';
        return end;
    }

    private int SkipComment(int tag, int contentStart)
    {
        var close = _source.IndexOf("#}", contentStart, StringComparison.Ordinal);
        if (close < 0)
        {
            throw new JinjaSyntaxException(PositionOf(tag), "{#", "missing end of comment tag '#}'");
        }

        var sign = close - 1 >= contentStart && _source[close - 1] is '-' or '+' ? _source[close - 1] : '\0';
        return EndTag(close, 2, sign, trimNewline: true);
    }

    private bool TryMatchRawBegin(int tag, out char sign, out int bodyStart)
    {
        sign = '\0';
        bodyStart = 0;
        var i = tag + 2;
        if (i < _source.Length && _source[i] is '-' or '+')
        {
            sign = _source[i++];
        }

        i = SkipSpaces(i);
        if (!_source.AsSpan(i).StartsWith("raw", StringComparison.Ordinal))
        {
            return false;
        }

        i = SkipSpaces(i + 3);
        if (_source.AsSpan(i).StartsWith("-%}", StringComparison.Ordinal))
        {
            bodyStart = i + 3;
            while (bodyStart < _source.Length && IsPythonSpace(_source[bodyStart]))
            {
                bodyStart++;
            }
        }
        else if (_source.AsSpan(i).StartsWith("%}", StringComparison.Ordinal))
        {
            bodyStart = i + 2;
        }
        else
        {
            return false;
        }

        _lineStarting = _source[bodyStart - 1] == '\n';
        return true;
    }

    private int ReadRawBody(int tag, int bodyStart)
    {
        for (var q = _source.IndexOf("{%", bodyStart, StringComparison.Ordinal); q >= 0; q = _source.IndexOf("{%", q + 1, StringComparison.Ordinal))
        {
            var i = q + 2;
            var sign = i < _source.Length && _source[i] is '-' or '+' ? _source[i++] : '\0';
            i = SkipSpaces(i);
            if (!_source.AsSpan(i).StartsWith("endraw", StringComparison.Ordinal))
            {
                continue;
            }

            i = SkipSpaces(i + 6);
            char endSign;
            if (_source.AsSpan(i).StartsWith("+%}", StringComparison.Ordinal) || _source.AsSpan(i).StartsWith("-%}", StringComparison.Ordinal))
            {
                endSign = _source[i++];
            }
            else if (_source.AsSpan(i).StartsWith("%}", StringComparison.Ordinal))
            {
                endSign = '\0';
            }
            else
            {
                continue;
            }

            AddData(Strip(_source[bodyStart..q], sign, variable: false), bodyStart);
            return EndTag(i, 2, endSign, trimNewline: true);
        }

        throw new JinjaSyntaxException(PositionOf(tag), "raw", "missing end of raw directive ('{% endraw %}')");
    }

    private int SkipSpaces(int i)
    {
        while (i < _source.Length && IsPythonSpace(_source[i]))
        {
            i++;
        }

        return i;
    }

    private int ReadTag(int tag, int pos, bool variable)
    {
        _tokens.Add(new JinjaToken(variable ? JinjaTokenKind.VariableBegin : JinjaTokenKind.BlockBegin, variable ? "{{" : "{%", PositionOf(tag)));
        var balance = new Stack<char>();
        var n = _source.Length;
        while (pos < n)
        {
            if (balance.Count == 0 && TryTagEnd(pos, variable, out var end))
            {
                _tokens.Add(new JinjaToken(variable ? JinjaTokenKind.VariableEnd : JinjaTokenKind.BlockEnd, variable ? "}}" : "%}", PositionOf(pos)));
                return end;
            }

            var c = _source[pos];
            if (IsPythonSpace(c))
            {
                pos++;
                continue;
            }

            var start = pos;
            if (char.IsAsciiDigit(c))
            {
                pos = ReadNumber(pos);
            }
            else if (char.IsLetter(c) || c == '_')
            {
                while (pos < n && (char.IsLetterOrDigit(_source[pos]) || _source[pos] == '_'))
                {
                    pos++;
                }

                _tokens.Add(new JinjaToken(JinjaTokenKind.Name, _source[start..pos], PositionOf(start)));
            }
            else if (c is '\'' or '"')
            {
                pos = ReadString(pos);
            }
            else
            {
                var op = Operators.FirstOrDefault(o => _source.AsSpan(pos).StartsWith(o, StringComparison.Ordinal))
                    ?? throw new JinjaSyntaxException(PositionOf(pos), c.ToString(), $"unexpected character '{c}' in a tag");
                Balance(balance, op, pos);
                _tokens.Add(new JinjaToken(JinjaTokenKind.Operator, op, PositionOf(pos)));
                pos += op.Length;
            }
        }

        throw new JinjaSyntaxException(PositionOf(tag), variable ? "{{" : "{%", $"unexpected end of template: the tag opened here is not closed with '{(variable ? "}}" : "%}")}'");
    }

    private void Balance(Stack<char> balance, string op, int pos)
    {
        switch (op)
        {
            case "(" or "[" or "{":
                balance.Push(op[0]);
                break;
            case ")" or "]" or "}":
                var open = op switch { ")" => '(', "]" => '[', _ => '{' };
                if (balance.Count == 0 || balance.Pop() != open)
                {
                    throw new JinjaSyntaxException(PositionOf(pos), op, $"unexpected '{op}'");
                }

                break;
        }
    }

    private bool TryTagEnd(int pos, bool variable, out int end)
    {
        var marker = variable ? "}}" : "%}";
        var span = _source.AsSpan(pos);
        end = 0;
        if (span.Length >= 3 && span[0] is '-' or '+' && span[1..].StartsWith(marker, StringComparison.Ordinal))
        {
            if (variable && span[0] == '+')
            {
                return false;
            }

            end = EndTag(pos + 1, 2, span[0], trimNewline: !variable);
            return true;
        }

        if (span.StartsWith(marker, StringComparison.Ordinal))
        {
            end = EndTag(pos, 2, '\0', trimNewline: !variable);
            return true;
        }

        return false;
    }

    private int ReadNumber(int pos)
    {
        var start = pos;
        var n = _source.Length;
        if (_source[pos] == '0' && pos + 1 < n && char.ToLowerInvariant(_source[pos + 1]) is 'x' or 'o' or 'b')
        {
            var radix = char.ToLowerInvariant(_source[pos + 1]) switch { 'x' => 16, 'o' => 8, _ => 2 };
            pos += 2;
            long value = 0;
            var digits = 0;
            while (pos < n && (_source[pos] == '_' || Uri.IsHexDigit(_source[pos])))
            {
                if (_source[pos] != '_')
                {
                    var d = Convert.ToInt32(_source[pos].ToString(), 16);
                    if (d >= radix)
                    {
                        break;
                    }

                    value = checked((value * radix) + d);
                    digits++;
                }

                pos++;
            }

            if (digits == 0)
            {
                throw new JinjaSyntaxException(PositionOf(start), _source[start..pos], "malformed integer literal");
            }

            _tokens.Add(new JinjaToken(JinjaTokenKind.Integer, _source[start..pos], PositionOf(start), value));
            return pos;
        }

        pos = SkipDigits(pos);
        var isFloat = false;
        var afterDot = start > 0 && _source[start - 1] == '.';
        if (!afterDot && pos + 1 < n && _source[pos] == '.' && char.IsAsciiDigit(_source[pos + 1]))
        {
            pos = SkipDigits(pos + 1);
            isFloat = true;
        }

        if (!afterDot && pos < n && _source[pos] is 'e' or 'E')
        {
            var e = pos + 1;
            if (e < n && _source[e] is '+' or '-')
            {
                e++;
            }

            if (e < n && char.IsAsciiDigit(_source[e]))
            {
                pos = SkipDigits(e);
                isFloat = true;
            }
        }

        var text = _source[start..pos];
        var clean = text.Replace("_", string.Empty, StringComparison.Ordinal);
        if (isFloat)
        {
            _tokens.Add(new JinjaToken(JinjaTokenKind.Float, text, PositionOf(start), double.Parse(clean, NumberStyles.Float, CultureInfo.InvariantCulture)));
        }
        else if (long.TryParse(clean, NumberStyles.None, CultureInfo.InvariantCulture, out var integer))
        {
            _tokens.Add(new JinjaToken(JinjaTokenKind.Integer, text, PositionOf(start), integer));
        }
        else
        {
            throw new JinjaSyntaxException(PositionOf(start), text, "integer literal out of the supported range (64-bit)");
        }

        return pos;
    }

    private int SkipDigits(int pos)
    {
        while (pos < _source.Length && (char.IsAsciiDigit(_source[pos]) || (_source[pos] == '_' && pos + 1 < _source.Length && char.IsAsciiDigit(_source[pos + 1]))))
        {
            pos++;
        }

        return pos;
    }

    /// <summary>A quoted string with Python's escapes (<c>\n \t \\ \' \" \xhh \uhhhh \Uhhhhhhhh</c>, octal, <c>\a \b \f \v \r</c>; an unknown escape keeps its backslash).</summary>
    private int ReadString(int pos)
    {
        var quote = _source[pos];
        var sb = new StringBuilder();
        var i = pos + 1;
        while (i < _source.Length)
        {
            var c = _source[i];
            if (c == quote)
            {
                _tokens.Add(new JinjaToken(JinjaTokenKind.String, sb.ToString(), PositionOf(pos)));
                return i + 1;
            }

            if (c != '\\' || i + 1 >= _source.Length)
            {
                sb.Append(c);
                i++;
                continue;
            }

            var e = _source[i + 1];
            i += 2;
            switch (e)
            {
                case '\n': break;
                case '\\': sb.Append('\\'); break;
                case '\'': sb.Append('\''); break;
                case '"': sb.Append('"'); break;
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'v': sb.Append('\v'); break;
                case 'x' or 'u' or 'U':
                    var width = e switch { 'x' => 2, 'u' => 4, _ => 8 };
                    if (i + width > _source.Length || !int.TryParse(_source.AsSpan(i, width), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code) || code > 0x10FFFF)
                    {
                        throw new JinjaSyntaxException(PositionOf(i - 2), "\\" + e, $"malformed \\{e} escape in a string literal");
                    }

                    sb.Append(char.ConvertFromUtf32(code));
                    i += width;
                    break;
                case >= '0' and <= '7':
                    var octal = e - '0';
                    for (var k = 0; k < 2 && i < _source.Length && _source[i] is >= '0' and <= '7'; k++, i++)
                    {
                        octal = (octal * 8) + (_source[i] - '0');
                    }

                    sb.Append((char)octal);
                    break;
                case 'N':
                    throw new JinjaSyntaxException(PositionOf(i - 2), "\\N", "named Unicode escapes (\\N{...}) are not supported");
                default:
                    sb.Append('\\').Append(e);
                    break;
            }
        }

        throw new JinjaSyntaxException(PositionOf(pos), "string", "unterminated string literal");
    }
}
