using System.Text;
using Cel;

namespace PostTrain.Kube.Testing.Validation;

/// <summary>
/// One <c>x-kubernetes-validations</c> rule made ready to evaluate (apiextensions-apiserver
/// pkg/apiserver/schema/cel/compilation.go): the parsed rule and message expression, whether the rule reads
/// <c>oldSelf</c> (a transition rule), and its <c>fieldPath</c> as a field path relative to the schema.
/// </summary>
internal sealed class CompiledRule
{
    private CompiledRule(ValidationRule rule) => Rule = rule;

    public ValidationRule Rule { get; }

    /// <summary>The rule's program; null for an empty rule or one that does not parse.</summary>
    public CelProgramDelegate? Program { get; private init; }

    /// <summary>Why the rule does not parse, or null.</summary>
    public string? Error { get; private init; }

    public bool UsesOldSelf { get; private init; }

    /// <summary>The messageExpression's program, or null.</summary>
    public CelProgramDelegate? MessageProgram { get; private init; }

    /// <summary>The fieldPath as a field path (<c>pattern</c>, <c>a.b</c>, <c>a[key]</c>), or null.</summary>
    public string? NormalizedFieldPath { get; private init; }

    public static CompiledRule Compile(CelEnvironment env, ValidationRule rule, SchemaNode schema)
    {
        CelProgramDelegate? program = null;
        string? error = null;
        if (rule.Rule.Trim().Length > 0)
        {
            try
            {
                program = env.Compile(rule.Rule);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                error = $"compilation failed: {e.Message}";
            }
        }

        CelProgramDelegate? message = null;
        if (!string.IsNullOrWhiteSpace(rule.MessageExpression))
        {
            try
            {
                message = env.Compile(rule.MessageExpression);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                error ??= $"messageExpression compilation failed: {e.Message}";
            }
        }

        return new CompiledRule(rule)
        {
            Program = program,
            Error = error,
            UsesOldSelf = ReferencesOldSelf(rule.Rule),
            MessageProgram = message,
            NormalizedFieldPath = string.IsNullOrEmpty(rule.FieldPath) ? null : NormalizeFieldPath(rule.FieldPath, schema),
        };
    }

    /// <summary>Whether the expression names the variable <c>oldSelf</c> (not a field called oldSelf, nor text in a string).</summary>
    public static bool ReferencesOldSelf(string expression)
    {
        var previous = '\0';
        var i = 0;
        while (i < expression.Length)
        {
            var c = expression[i];
            if (c is '"' or '\'')
            {
                var raw = i > 0 && expression[i - 1] is 'r' or 'R';
                var triple = i + 2 < expression.Length && expression[i + 1] == c && expression[i + 2] == c;
                var quote = triple ? new string(c, 3) : c.ToString();
                i += quote.Length;
                while (i < expression.Length && string.CompareOrdinal(expression, i, quote, 0, quote.Length) != 0)
                {
                    i += !raw && expression[i] == '\\' ? 2 : 1;
                }

                i += quote.Length;
                previous = '"';
                continue;
            }

            if (c == '/' && i + 1 < expression.Length && expression[i + 1] == '/')
            {
                while (i < expression.Length && expression[i] != '\n')
                {
                    i++;
                }

                continue;
            }

            if (char.IsLetter(c) || c == '_')
            {
                var start = i;
                while (i < expression.Length && (char.IsLetterOrDigit(expression[i]) || expression[i] == '_'))
                {
                    i++;
                }

                if (previous != '.' && string.CompareOrdinal(expression, start, "oldSelf", 0, 7) == 0 && i - start == 7)
                {
                    return true;
                }

                previous = 'a';
                continue;
            }

            if (!char.IsWhiteSpace(c))
            {
                previous = c;
            }

            i++;
        }

        return false;
    }

    /// <summary>
    /// validation.go ValidFieldPath: <c>.name</c> and <c>['name']</c> steps through properties (or map keys where the
    /// schema has additionalProperties), printed as a field.Path; null where the path does not fit the schema.
    /// </summary>
    public static string? NormalizeFieldPath(string fieldPath, SchemaNode schema)
    {
        var tokens = Tokenize(fieldPath);
        string? path = null;
        var node = schema;
        for (var t = 0; t < tokens.Count; t++)
        {
            string name;
            switch (tokens[t])
            {
                case "[":
                    if (t + 2 >= tokens.Count || tokens[t + 2] != "]" || tokens[t + 1] is not { Length: >= 2 } quoted || quoted[0] != '\'' || quoted[^1] != '\'')
                    {
                        return null;
                    }

                    if (Unescape(quoted[1..^1]) is not { } unescaped)
                    {
                        return null;
                    }

                    name = unescaped;
                    t += 2;
                    break;
                case ".":
                    if (t + 1 >= tokens.Count)
                    {
                        return null;
                    }

                    name = tokens[++t];
                    break;
                default:
                    return null;
            }

            if (node.Properties is not null)
            {
                if (!node.Properties.TryGetValue(name, out var property))
                {
                    return null;
                }

                path = FieldPath.Child(path, name);
                node = property;
            }
            else if (node.AdditionalPropertiesSchema is not null)
            {
                path = FieldPath.Key(path, name);
                node = node.AdditionalPropertiesSchema;
            }
            else
            {
                return null;
            }
        }

        return path;
    }

    private static List<string> Tokenize(string path)
    {
        var tokens = new List<string>();
        var i = 0;
        while (i < path.Length)
        {
            if (path[i] is '.' or '[' or ']')
            {
                tokens.Add(path[i].ToString());
                i++;
                continue;
            }

            var start = i;
            if (path[i] == '\'')
            {
                i++;
                while (i < path.Length && !(path[i] == '\'' && path[i - 1] != '\\'))
                {
                    i++;
                }

                i = Math.Min(i + 1, path.Length);
            }
            else
            {
                while (i < path.Length && path[i] is not ('.' or '[' or ']'))
                {
                    i++;
                }
            }

            tokens.Add(path[start..i]);
        }

        return tokens;
    }

    private static string? Unescape(string text)
    {
        var sb = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\')
            {
                sb.Append(text[i]);
                continue;
            }

            if (++i >= text.Length)
            {
                return null;
            }

            char? c = text[i] switch
            {
                'a' => '\a',
                'b' => '\b',
                'f' => '\f',
                'n' => '\n',
                'r' => '\r',
                't' => '\t',
                'v' => '\v',
                '\'' => '\'',
                '\\' => '\\',
                _ => null,
            };
            if (c is null)
            {
                return null;
            }

            sb.Append(c.Value);
        }

        return sb.ToString();
    }
}
