using System.Text;

namespace PostTrain.Trainer.Tokenizers.Chat.Jinja;

/// <summary>
/// Python's <c>str.format</c> for the fields templates write: <c>{}</c>, <c>{0}</c>, <c>{name}</c>, <c>{{</c> and
/// <c>}}</c>, with <c>!s</c>/<c>!r</c>. Format specifications (<c>{:&gt;10}</c>) fail, naming the field.
/// </summary>
internal static class PythonStringFormat
{
    public static string Format(string format, JinjaArguments arguments)
    {
        var sb = new StringBuilder();
        var automatic = 0;
        for (var i = 0; i < format.Length; i++)
        {
            var c = format[i];
            if (c == '}' && i + 1 < format.Length && format[i + 1] == '}')
            {
                sb.Append('}');
                i++;
                continue;
            }

            if (c != '{')
            {
                sb.Append(c);
                continue;
            }

            if (i + 1 < format.Length && format[i + 1] == '{')
            {
                sb.Append('{');
                i++;
                continue;
            }

            var close = format.IndexOf('}', i);
            if (close < 0)
            {
                throw new JinjaRuntimeError("Single '{' encountered in format string");
            }

            var field = format[(i + 1)..close];
            i = close;
            var conversion = 's';
            var bang = field.IndexOf('!', StringComparison.Ordinal);
            if (bang >= 0)
            {
                conversion = field.Length > bang + 1 ? field[bang + 1] : 's';
                field = field[..bang];
            }

            if (field.Contains(':', StringComparison.Ordinal))
            {
                throw new JinjaRuntimeError($"str.format: the format specification in '{{{field}}}' is not supported");
            }

            object? value;
            if (field.Length == 0)
            {
                value = Positional(arguments, automatic++);
            }
            else if (int.TryParse(field, out var index))
            {
                value = Positional(arguments, index);
            }
            else
            {
                value = arguments.Keywords.FirstOrDefault(k => k.Key == field) is { Key: not null } kw ? kw.Value : throw new JinjaRuntimeError($"KeyError: '{field}'");
            }

            sb.Append(conversion == 'r' ? PythonFormatting.Repr(value) : PythonFormatting.Str(value));
        }

        return sb.ToString();
    }

    private static object? Positional(JinjaArguments arguments, int index) =>
        index < arguments.Positional.Count ? arguments.Positional[index] : throw new JinjaRuntimeError($"Replacement index {index} out of range for positional args tuple");
}
