using System.Text.Encodings.Web;
using System.Text.Json;

namespace PostTrain.Trainer.Tests.Tokenizers.Chat;

/// <summary>Describes where two renderings part: the first differing character, with the text around it on both sides.</summary>
internal static class RenderingDiff
{
    private const int Context = 60;
    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Null when equal; else the offset (and line:column) of the first difference and both texts around it, JSON-escaped.</summary>
    public static string? Describe(string expected, string actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        if (string.Equals(expected, actual, StringComparison.Ordinal))
        {
            return null;
        }

        var at = 0;
        while (at < expected.Length && at < actual.Length && expected[at] == actual[at])
        {
            at++;
        }

        var line = 1 + expected.AsSpan(0, at).Count('\n');
        var column = at - (at == 0 ? -1 : expected.LastIndexOf('\n', at - 1));
        var from = Math.Max(0, at - Context);
        return $"first difference at offset {at} (line {line}, column {column}; lengths {expected.Length} expected, {actual.Length} actual)\n" +
            $"  expected: …{Quote(expected, from, at)}\n" +
            $"  actual:   …{Quote(actual, from, at)}";
    }

    private static string Quote(string text, int from, int at)
    {
        var before = text[from..Math.Min(at, text.Length)];
        var after = at < text.Length ? text[at..Math.Min(text.Length, at + Context)] : string.Empty;
        return JsonSerializer.Serialize(before, Json) + " ▶ " + JsonSerializer.Serialize(after, Json);
    }
}
