using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace PostTrain.Api.Yaml;

/// <summary>
/// Writes a JSON tree as block-style YAML, deterministically (key order kept, two-space indent, lists at their
/// key's indent as kubectl and controller-gen write them). Strings that could read back as anything but the same
/// string are double-quoted with JSON escapes, so the output means the same to YAML 1.1 (Go) and 1.2 readers.
/// </summary>
public static partial class YamlWriter
{
    private static readonly JsonSerializerOptions QuoteOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes one document.</summary>
    /// <param name="root">The document.</param>
    /// <param name="headerComment">Comment lines written first (without '#'), or null.</param>
    /// <returns>The YAML text, ending with a newline.</returns>
    public static string Write(JsonNode? root, string? headerComment = null)
    {
        var builder = new StringBuilder();
        if (headerComment is not null)
        {
            foreach (var line in headerComment.Split('\n'))
            {
                builder.Append('#');
                builder.Append(line.Length > 0 ? " " + line : "");
                builder.Append('\n');
            }
        }

        switch (root)
        {
            case JsonObject { Count: > 0 } obj:
                WriteMapping(obj, 0, builder);
                break;
            case JsonArray { Count: > 0 } array:
                WriteSequence(array, 0, builder);
                break;
            default:
                builder.Append(Scalar(root)).Append('\n');
                break;
        }

        return builder.ToString();
    }

    /// <summary>A scalar as YAML: plain when that reads back unchanged, else double-quoted.</summary>
    /// <param name="node">A JSON value, an empty object or array, or null.</param>
    /// <returns>The YAML text of the scalar.</returns>
    public static string Scalar(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "{}",
        JsonArray => "[]",
        _ when node.GetValueKind() == JsonValueKind.String => QuoteIfNeeded(node.GetValue<string>()),
        _ when node.GetValueKind() == JsonValueKind.Number => Number(node.ToJsonString()),
        _ => node.ToJsonString(),
    };

    // YAML 1.1 readers (PyYAML; not Go's) need a '.' and a signed exponent to see a float: 2E-05 -> 2.0E-05.
    private static string Number(string json)
    {
        var e = json.IndexOfAny(['e', 'E']);
        if (e < 0)
        {
            return json;
        }

        var mantissa = json[..e];
        var exponent = json[(e + 1)..];
        return (mantissa.Contains('.', StringComparison.Ordinal) ? mantissa : mantissa + ".0") + "e" + (exponent.StartsWith('-') || exponent.StartsWith('+') ? exponent : "+" + exponent);
    }

    private static void WriteMapping(JsonObject obj, int indent, StringBuilder builder, bool firstLineIndented = true)
    {
        var first = true;
        foreach (var (key, value) in obj)
        {
            if (!first || firstLineIndented)
            {
                builder.Append(' ', indent);
            }

            first = false;
            builder.Append(QuoteIfNeeded(key)).Append(':');
            switch (value)
            {
                case JsonObject { Count: > 0 } child:
                    builder.Append('\n');
                    WriteMapping(child, indent + 2, builder);
                    break;
                case JsonArray { Count: > 0 } array:
                    builder.Append('\n');
                    WriteSequence(array, indent, builder);
                    break;
                default:
                    builder.Append(' ').Append(Scalar(value)).Append('\n');
                    break;
            }
        }
    }

    private static void WriteSequence(JsonArray array, int indent, StringBuilder builder)
    {
        foreach (var item in array)
        {
            builder.Append(' ', indent).Append('-');
            switch (item)
            {
                case JsonObject { Count: > 0 } obj:
                    builder.Append(' ');
                    WriteMapping(obj, indent + 2, builder, firstLineIndented: false);
                    break;
                case JsonArray { Count: > 0 } inner:
                    builder.Append('\n');
                    WriteSequence(inner, indent + 2, builder);
                    break;
                default:
                    builder.Append(' ').Append(Scalar(item)).Append('\n');
                    break;
            }
        }
    }

    private static string QuoteIfNeeded(string text) =>
        IsPlainSafe(text) ? text : JsonSerializer.Serialize(text, QuoteOptions);

    private static bool IsPlainSafe(string text) =>
        text.Length > 0
        && PlainRegex().IsMatch(text)
        && !text.Contains(": ", StringComparison.Ordinal)
        && !text.Contains(" #", StringComparison.Ordinal)
        && !text.EndsWith(':')
        && !ReservedWords.Contains(text.ToLower(CultureInfo.InvariantCulture));

    private static readonly HashSet<string> ReservedWords = new(StringComparer.Ordinal)
    {
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~",
    };

    // Starts with a letter, '_' or '/', then printable ASCII without the flow and comment indicators.
    [GeneratedRegex(@"^[A-Za-z_/][A-Za-z0-9 _./()+*=$^?;:'<>\\-]*[A-Za-z0-9_./()+*=$^?;'<>\\-]\z|^[A-Za-z_]\z")]
    private static partial Regex PlainRegex();
}
