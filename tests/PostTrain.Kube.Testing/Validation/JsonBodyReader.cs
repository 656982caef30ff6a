using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PostTrain.Kube.Testing.Validation;

/// <summary>
/// Reads a JSON request body the way kube-apiserver's strict decoder does (sigs.k8s.io/json with
/// DisallowDuplicateFields): a field name repeated within one object is recorded as a duplicate, at its path
/// (<c>spec.x</c>, <c>spec.items[0].name</c>), and the last value wins. System.Text.Json's JsonNode.Parse instead
/// throws on a repeated name.
/// </summary>
public static class JsonBodyReader
{
    private const int MaxDuplicates = 100;

    /// <summary>Parses <paramref name="utf8Json"/>, collecting the paths of duplicate fields in the order met.</summary>
    /// <param name="utf8Json">The body.</param>
    /// <param name="duplicateFields">The duplicate field paths (at most 100, each once).</param>
    /// <returns>The parsed value.</returns>
    /// <exception cref="JsonException">The body is not JSON.</exception>
    public static JsonNode? Parse(ReadOnlySpan<byte> utf8Json, out IReadOnlyList<string> duplicateFields)
    {
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        var duplicates = new List<string>();
        if (!reader.Read())
        {
            throw new JsonException("empty body");
        }

        var value = ReadValue(ref reader, "", duplicates);
        if (reader.Read())
        {
            throw new JsonException("unexpected data after the JSON value");
        }

        duplicateFields = duplicates;
        return value;
    }

    private static JsonNode? ReadValue(ref Utf8JsonReader reader, string path, List<string> duplicates)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var obj = new JsonObject();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var key = reader.GetString()!;
                    if (obj.ContainsKey(key))
                    {
                        var duplicate = path.Length == 0 ? key : $"{path}.{key}";
                        if (duplicates.Count < MaxDuplicates && !duplicates.Contains(duplicate))
                        {
                            duplicates.Add(duplicate);
                        }
                    }

                    reader.Read();
                    obj[key] = ReadValue(ref reader, path.Length == 0 ? key : $"{path}.{key}", duplicates);
                }

                return obj;
            case JsonTokenType.StartArray:
                var array = new JsonArray();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    array.Add(ReadValue(ref reader, string.Create(CultureInfo.InvariantCulture, $"{path}[{array.Count}]"), duplicates));
                }

                return array;
            case JsonTokenType.String:
                return JsonValue.Create(reader.GetString());
            case JsonTokenType.Number:
                return JsonNode.Parse(reader.ValueSpan);
            case JsonTokenType.True:
                return JsonValue.Create(true);
            case JsonTokenType.False:
                return JsonValue.Create(false);
            case JsonTokenType.Null:
                return null;
            default:
                throw new JsonException($"unexpected token {reader.TokenType}");
        }
    }
}
