using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace PostTrain.Api.Validation;

/// <summary>
/// Validates a JSON value against a Kubernetes structural OpenAPI v3 schema the way the API server does before
/// CEL rules: types, required, unknown fields (strict field validation), enum, minimum/maximum, length, item
/// counts, pattern, date-time format, int-or-string, preserve-unknown-fields and list-map keys. Nulls count as
/// absent, as the API server prunes them. CEL rules (x-kubernetes-validations) are not evaluated here;
/// <see cref="JobValidator"/> checks the same rules in C#. Every error is reported, not only the first.
/// </summary>
public static class StructuralSchemaValidator
{
    private static readonly Dictionary<string, Regex> Patterns = new(StringComparer.Ordinal);
    private static readonly Lock PatternsLock = new();

    /// <summary>Validates <paramref name="value"/> against <paramref name="schema"/>.</summary>
    /// <param name="value">The value (a whole object, when <paramref name="schema"/> is an openAPIV3Schema).</param>
    /// <param name="schema">The schema.</param>
    /// <param name="path">The path of <paramref name="value"/>; empty for a document root.</param>
    /// <returns>Every error found, in document order.</returns>
    public static IReadOnlyList<ValidationError> Validate(JsonNode? value, JsonObject schema, string path = "")
    {
        ArgumentNullException.ThrowIfNull(schema);
        var errors = new List<ValidationError>();
        Check(value, schema, path ?? "", errors, isRoot: (path ?? "").Length == 0);
        return errors;
    }

    private static void Check(JsonNode? value, JsonObject schema, string path, List<ValidationError> errors, bool isRoot = false)
    {
        if (value is null)
        {
            return;
        }

        if (Flag(schema, "x-kubernetes-int-or-string"))
        {
            var kind = value.GetValueKind();
            if (kind == JsonValueKind.Number ? !IsInteger(value) : kind != JsonValueKind.String)
            {
                errors.Add(new(path, $"expected an integer or a string, got {Describe(value)}"));
                return;
            }

            if (kind == JsonValueKind.String)
            {
                CheckString(value.GetValue<string>(), schema, path, errors);
            }

            return;
        }

        var type = (schema["type"] as JsonValue)?.GetValue<string>();
        if (type is null)
        {
            // No type: only valid with x-kubernetes-preserve-unknown-fields (anything goes) or inside anyOf.
            return;
        }

        switch (type)
        {
            case "object":
                if (value is not JsonObject obj)
                {
                    errors.Add(new(path, $"expected an object, got {Describe(value)}"));
                    return;
                }

                CheckObject(obj, schema, path, errors, isRoot);
                break;
            case "array":
                if (value is not JsonArray array)
                {
                    errors.Add(new(path, $"expected a list, got {Describe(value)}"));
                    return;
                }

                CheckArray(array, schema, path, errors);
                break;
            case "string":
                if (value.GetValueKind() != JsonValueKind.String)
                {
                    errors.Add(new(path, $"expected a string, got {Describe(value)}"));
                    return;
                }

                CheckString(value.GetValue<string>(), schema, path, errors);
                break;
            case "integer":
                if (value.GetValueKind() != JsonValueKind.Number || !IsInteger(value))
                {
                    errors.Add(new(path, $"expected an integer, got {Describe(value)}"));
                    return;
                }

                CheckNumber(ToDouble(value), schema, path, errors);
                break;
            case "number":
                if (value.GetValueKind() != JsonValueKind.Number)
                {
                    errors.Add(new(path, $"expected a number, got {Describe(value)}"));
                    return;
                }

                CheckNumber(ToDouble(value), schema, path, errors);
                break;
            case "boolean":
                if (value.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
                {
                    errors.Add(new(path, $"expected true or false, got {Describe(value)}"));
                }

                break;
            default:
                errors.Add(new(path, $"the schema has an unknown type '{type}'"));
                break;
        }
    }

    private static void CheckObject(JsonObject obj, JsonObject schema, string path, List<ValidationError> errors, bool isRoot)
    {
        var properties = schema["properties"] as JsonObject;
        var additional = schema["additionalProperties"] as JsonObject;
        var preserve = Flag(schema, "x-kubernetes-preserve-unknown-fields");

        if (schema["required"] is JsonArray required)
        {
            foreach (var name in required.Select(r => r!.GetValue<string>()))
            {
                if (obj[name] is null)
                {
                    errors.Add(new(FieldPath.Child(path, name), "required field is missing"));
                }
            }
        }

        foreach (var (name, child) in obj)
        {
            var childPath = FieldPath.Child(path, name);
            if (properties?[name] is JsonObject childSchema)
            {
                // The API server validates metadata itself; its schema here only says "object".
                if (isRoot && name == "metadata")
                {
                    if (child is not null and not JsonObject)
                    {
                        errors.Add(new(childPath, $"expected an object, got {Describe(child)}"));
                    }

                    continue;
                }

                Check(child, childSchema, childPath, errors);
            }
            else if (additional is not null)
            {
                Check(child, additional, childPath, errors);
            }
            else if (!preserve)
            {
                var known = properties is null ? "" : $" (known fields: {string.Join(", ", properties.Select(p => p.Key))})";
                errors.Add(new(childPath, $"unknown field \"{name}\"{known}"));
            }
        }

        CheckCount(obj.Count, schema, "minProperties", "maxProperties", "field", path, errors);
    }

    private static void CheckArray(JsonArray array, JsonObject schema, string path, List<ValidationError> errors)
    {
        CheckCount(array.Count, schema, "minItems", "maxItems", "item", path, errors);
        if (schema["items"] is JsonObject items)
        {
            for (var i = 0; i < array.Count; i++)
            {
                if (array[i] is null)
                {
                    errors.Add(new(FieldPath.Index(path, i), "must not be null"));
                    continue;
                }

                Check(array[i], items, FieldPath.Index(path, i), errors);
            }
        }

        if ((schema["x-kubernetes-list-type"] as JsonValue)?.GetValue<string>() == "map" && schema["x-kubernetes-list-map-keys"] is JsonArray keys)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < array.Count; i++)
            {
                if (array[i] is JsonObject item)
                {
                    var key = string.Join("/", keys.Select(k => item[k!.GetValue<string>()]?.ToJsonString() ?? "null"));
                    if (!seen.Add(key))
                    {
                        errors.Add(new(FieldPath.Index(path, i), $"duplicate entry for key {key}"));
                    }
                }
            }
        }
        else if ((schema["x-kubernetes-list-type"] as JsonValue)?.GetValue<string>() == "set")
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < array.Count; i++)
            {
                if (!seen.Add(array[i]?.ToJsonString() ?? "null"))
                {
                    errors.Add(new(FieldPath.Index(path, i), $"duplicate value {array[i]?.ToJsonString()}"));
                }
            }
        }
    }

    private static void CheckString(string text, JsonObject schema, string path, List<ValidationError> errors)
    {
        if (schema["enum"] is JsonArray allowed)
        {
            var names = allowed.Select(a => a?.GetValue<string>()).ToList();
            if (!names.Contains(text))
            {
                errors.Add(new(path, $"must be one of: {string.Join(", ", names)} (got \"{text}\")"));
                return;
            }
        }

        CheckCount(text.Length, schema, "minLength", "maxLength", "character", path, errors);
        if ((schema["pattern"] as JsonValue)?.GetValue<string>() is { } pattern && !PatternRegex(pattern).IsMatch(text))
        {
            errors.Add(new(path, $"\"{text}\" does not match the pattern {pattern}"));
        }

        if ((schema["format"] as JsonValue)?.GetValue<string>() == "date-time"
            && !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _))
        {
            errors.Add(new(path, $"\"{text}\" is not an RFC 3339 date-time (e.g. 2026-01-02T03:04:05Z)"));
        }
    }

    private static void CheckNumber(double number, JsonObject schema, string path, List<ValidationError> errors)
    {
        if (schema["minimum"] is JsonValue min)
        {
            var bound = ToDouble(min);
            var exclusive = Flag(schema, "exclusiveMinimum");
            if (exclusive ? number <= bound : number < bound)
            {
                errors.Add(new(path, $"must be {(exclusive ? ">" : ">=")} {Format(bound)} (got {Format(number)})"));
            }
        }

        if (schema["maximum"] is JsonValue max)
        {
            var bound = ToDouble(max);
            var exclusive = Flag(schema, "exclusiveMaximum");
            if (exclusive ? number >= bound : number > bound)
            {
                errors.Add(new(path, $"must be {(exclusive ? "<" : "<=")} {Format(bound)} (got {Format(number)})"));
            }
        }
    }

    private static void CheckCount(int count, JsonObject schema, string minKey, string maxKey, string noun, string path, List<ValidationError> errors)
    {
        if (schema[minKey] is JsonValue min && count < ToDouble(min))
        {
            errors.Add(new(path, $"must have at least {Format(ToDouble(min))} {noun}{(ToDouble(min) == 1 ? "" : "s")} (has {count})"));
        }

        if (schema[maxKey] is JsonValue max && count > ToDouble(max))
        {
            errors.Add(new(path, $"must have at most {Format(ToDouble(max))} {noun}{(ToDouble(max) == 1 ? "" : "s")} (has {count})"));
        }
    }

    private static bool Flag(JsonObject schema, string name) =>
        schema[name] is JsonValue flag && flag.GetValueKind() == JsonValueKind.True;

    private static bool IsInteger(JsonNode value)
    {
        var number = ToDouble(value);
        return Math.Abs(number % 1) == 0 && !double.IsInfinity(number);
    }

    private static double ToDouble(JsonNode value) =>
        double.Parse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Describe(JsonNode value) => value.GetValueKind() switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => $"the string \"{value.GetValue<string>()}\"",
        JsonValueKind.Number => $"the number {value.ToJsonString()}",
        JsonValueKind.True or JsonValueKind.False => $"the boolean {value.ToJsonString()}",
        _ => value.ToJsonString(),
    };

    private static Regex PatternRegex(string pattern)
    {
        lock (PatternsLock)
        {
            if (!Patterns.TryGetValue(pattern, out var regex))
            {
                regex = new Regex(ToDotNetPattern(pattern), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
                Patterns[pattern] = regex;
            }

            return regex;
        }
    }

    /// <summary>
    /// RE2 (the API server's engine) reads <c>$</c> as the end of the text; .NET also matches before a final newline.
    /// Rewrites each unescaped <c>$</c> outside a character class to <c>\z</c> so both accept the same strings.
    /// </summary>
    private static string ToDotNetPattern(string pattern)
    {
        var builder = new System.Text.StringBuilder(pattern.Length + 4);
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                builder.Append(c).Append(pattern[++i]);
                continue;
            }

            if (c == '[')
            {
                inClass = true;
            }
            else if (c == ']')
            {
                inClass = false;
            }

            builder.Append(c == '$' && !inClass ? "\\z" : c.ToString());
        }

        return builder.ToString();
    }
}
