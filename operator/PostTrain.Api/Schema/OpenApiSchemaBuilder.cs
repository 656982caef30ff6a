using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using PostTrain.Api.Model;

namespace PostTrain.Api.Schema;

/// <summary>
/// Derives a Kubernetes structural OpenAPI v3 schema from attributed C# types, as KubeOps' transpiler does: a pure
/// function of the types, their schema attributes, their property initialisers (the defaults) and their XML
/// documentation (the descriptions).
/// </summary>
/// <param name="documentation">Where descriptions come from; <see cref="XmlDocumentation.Empty"/> omits them.</param>
public sealed class OpenApiSchemaBuilder(XmlDocumentation documentation)
{
    private const DynamicallyAccessedMemberTypes Members =
        DynamicallyAccessedMemberTypes.PublicProperties | DynamicallyAccessedMemberTypes.PublicParameterlessConstructor;

    /// <summary>The schema of a whole object of a kind: apiVersion, kind, metadata, spec and status.</summary>
    /// <param name="kindType">The kind's type.</param>
    /// <returns>The openAPIV3Schema.</returns>
    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = "Kinds are rooted by JobJsonContext.")]
    public JsonObject BuildRoot([DynamicallyAccessedMembers(Members)] Type kindType)
    {
        ArgumentNullException.ThrowIfNull(kindType);
        return ObjectSchema(kindType, isRoot: true);
    }

    /// <summary>The JSON name of a property: its [JsonPropertyName], else its name in camelCase.</summary>
    /// <param name="property">The property.</param>
    /// <returns>The name used in JSON and in the CRD.</returns>
    public static string JsonName(PropertyInfo property)
    {
        ArgumentNullException.ThrowIfNull(property);
        return property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name);
    }

    /// <summary>The JSON names of an enum's values, in declaration order.</summary>
    /// <param name="enumType">The enum type.</param>
    /// <returns>The names ([JsonStringEnumMemberName], else the member name).</returns>
    public static IReadOnlyList<string> EnumNames(Type enumType)
    {
        ArgumentNullException.ThrowIfNull(enumType);
        return enumType.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(field => field.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? field.Name)
            .ToList();
    }

    /// <summary>The properties that appear in JSON: public, readable and writable, not [JsonIgnore] nor extension data.</summary>
    /// <param name="type">The type.</param>
    /// <returns>The properties, ordered by JSON name.</returns>
    public static IReadOnlyList<PropertyInfo> SerializedProperties([DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.CanWrite && p.GetIndexParameters().Length == 0)
            .Where(p => p.GetCustomAttribute<JsonIgnoreAttribute>() is null && p.GetCustomAttribute<JsonExtensionDataAttribute>() is null)
            .OrderBy(JsonName, StringComparer.Ordinal)
            .ToList();
    }

    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = "Property types of the kinds are rooted by JobJsonContext.")]
    [UnconditionalSuppressMessage("Trimming", "IL2062", Justification = "Property types of the kinds are rooted by JobJsonContext.")]
    private JsonObject ObjectSchema([DynamicallyAccessedMembers(Members)] Type type, bool isRoot = false)
    {
        var schema = new JsonObject();
        AddDescription(schema, documentation.Of(type));
        schema["type"] = "object";

        var instance = type.IsAbstract ? null : CreateDefaults(type);
        var properties = new JsonObject();
        var required = new JsonArray();
        foreach (var property in SerializedProperties(type))
        {
            var name = JsonName(property);
            if (property.GetCustomAttribute<RequiredAttribute>() is not null)
            {
                required.Add(name);
            }

            properties[name] = isRoot && property.PropertyType == typeof(ObjectMeta)
                ? new JsonObject { ["type"] = "object" }
                : PropertySchema(property, isRoot ? null : instance);
        }

        schema["properties"] = properties;
        if (required.Count > 0)
        {
            schema["required"] = required;
        }

        AddRules(schema, type.GetCustomAttributes<ValidationRuleAttribute>(inherit: true));
        return schema;
    }

    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = "Property types of the kinds are rooted by JobJsonContext.")]
    private JsonObject PropertySchema(PropertyInfo property, object? defaults)
    {
        var type = property.PropertyType;
        var schema = property.GetCustomAttribute<PreserveUnknownFieldsAttribute>() is not null && type == typeof(JsonObject)
            ? new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true }
            : property.GetCustomAttribute<IntOrStringAttribute>() is not null
                ? new JsonObject
                {
                    ["anyOf"] = new JsonArray(new JsonObject { ["type"] = "integer" }, new JsonObject { ["type"] = "string" }),
                    ["x-kubernetes-int-or-string"] = true,
                }
                : TypeSchema(type);

        // The property's own summary wins over its type's.
        var description = documentation.Of(property);
        if (description is not null)
        {
            schema.Remove("description");
            var reordered = new JsonObject { ["description"] = description };
            foreach (var (key, node) in schema.ToList())
            {
                schema.Remove(key);
                reordered[key] = node;
            }

            schema = reordered;
        }

        if (property.GetCustomAttribute<FormatAttribute>() is { } format)
        {
            schema["format"] = format.Format;
        }

        if (defaults is not null && property.GetCustomAttribute<RequiredAttribute>() is null && DefaultOf(property, defaults) is { } value)
        {
            schema["default"] = value;
        }

        if (property.GetCustomAttribute<RangeMinimumAttribute>() is { } min)
        {
            schema["minimum"] = Number(min.Minimum);
            if (min.ExclusiveMinimum)
            {
                schema["exclusiveMinimum"] = true;
            }
        }

        if (property.GetCustomAttribute<RangeMaximumAttribute>() is { } max)
        {
            schema["maximum"] = Number(max.Maximum);
            if (max.ExclusiveMaximum)
            {
                schema["exclusiveMaximum"] = true;
            }
        }

        if (property.GetCustomAttribute<LengthAttribute>() is { } length)
        {
            AddIfSet(schema, "minLength", length.MinLength);
            AddIfSet(schema, "maxLength", length.MaxLength);
        }

        if (property.GetCustomAttribute<PatternAttribute>() is { } pattern)
        {
            schema["pattern"] = pattern.Pattern;
        }

        if (property.GetCustomAttribute<ItemsAttribute>() is { } items)
        {
            AddIfSet(schema, "minItems", items.MinItems);
            AddIfSet(schema, "maxItems", items.MaxItems);
        }

        if (property.GetCustomAttribute<ListMapAttribute>() is { } listMap)
        {
            schema["x-kubernetes-list-type"] = "map";
            schema["x-kubernetes-list-map-keys"] = new JsonArray(listMap.Keys.Select(k => (JsonNode)k).ToArray());
        }

        AddRules(schema, property.GetCustomAttributes<ValidationRuleAttribute>());
        return schema;
    }

    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = "Property types of the kinds are rooted by JobJsonContext.")]
    [UnconditionalSuppressMessage("Trimming", "IL2062", Justification = "Property types of the kinds are rooted by JobJsonContext.")]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "Property types of the kinds are rooted by JobJsonContext.")]
    private JsonObject TypeSchema(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string))
        {
            return new JsonObject { ["type"] = "string" };
        }

        if (type == typeof(bool))
        {
            return new JsonObject { ["type"] = "boolean" };
        }

        if (type == typeof(int))
        {
            return new JsonObject { ["type"] = "integer", ["format"] = "int32" };
        }

        if (type == typeof(long))
        {
            return new JsonObject { ["type"] = "integer", ["format"] = "int64" };
        }

        if (type == typeof(double))
        {
            return new JsonObject { ["type"] = "number", ["format"] = "double" };
        }

        if (type == typeof(DateTimeOffset))
        {
            return new JsonObject { ["type"] = "string", ["format"] = "date-time" };
        }

        if (type.IsEnum)
        {
            var schema = new JsonObject();
            AddDescription(schema, documentation.Of(type));
            schema["type"] = "string";
            schema["enum"] = new JsonArray(EnumNames(type).Select(n => (JsonNode)n).ToArray());
            return schema;
        }

        if (type == typeof(JsonObject))
        {
            return new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true };
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            var arguments = type.GetGenericArguments();
            if (arguments[0] != typeof(string))
            {
                throw new NotSupportedException($"{type}: only string-keyed dictionaries map to a schema");
            }

            return new JsonObject { ["type"] = "object", ["additionalProperties"] = TypeSchema(arguments[1]) };
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            return new JsonObject { ["type"] = "array", ["items"] = TypeSchema(type.GetGenericArguments()[0]) };
        }

        if (type.IsClass && type != typeof(object))
        {
            return ObjectSchema(type);
        }

        throw new NotSupportedException($"{type} has no schema mapping");
    }

    private static JsonNode? DefaultOf(PropertyInfo property, object defaults)
    {
        var value = property.GetValue(defaults);
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        switch (value)
        {
            case null:
                return null;
            case string text:
                return text;
            case bool flag:
                return flag;
            case int or long:
                return Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
            case double number:
                return Number(number);
            case Enum:
                return EnumNames(type)[Array.IndexOf(Enum.GetValues(type), value)];
            case System.Collections.IEnumerable or JsonNode or DateTimeOffset:
                return null;
            default:
                // An object that is always present: default {} lets the API server apply the nested defaults,
                // unless it has required fields (then {} would not validate).
                return SerializedProperties(type).Any(p => p.GetCustomAttribute<RequiredAttribute>() is not null) ? null : new JsonObject();
        }
    }

    private static JsonNode Number(double value) =>
        Math.Abs(value % 1) == 0 && Math.Abs(value) < 1e15 ? JsonValue.Create((long)value) : JsonValue.Create(value);

    private static object? CreateDefaults([DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] Type type) =>
        type.GetConstructor(Type.EmptyTypes) is null ? null : Activator.CreateInstance(type);

    private static void AddDescription(JsonObject schema, string? description)
    {
        if (!string.IsNullOrEmpty(description))
        {
            schema["description"] = description;
        }
    }

    private static void AddIfSet(JsonObject schema, string key, int value)
    {
        if (value >= 0)
        {
            schema[key] = value;
        }
    }

    private static void AddRules(JsonObject schema, IEnumerable<ValidationRuleAttribute> rules)
    {
        var array = schema["x-kubernetes-validations"] as JsonArray ?? new JsonArray();
        foreach (var rule in rules)
        {
            var entry = new JsonObject { ["rule"] = rule.Rule };
            if (rule.Message is not null)
            {
                entry["message"] = rule.Message;
            }

            if (rule.Reason is not null)
            {
                entry["reason"] = rule.Reason;
            }

            if (rule.FieldPath is not null)
            {
                entry["fieldPath"] = rule.FieldPath;
            }

            array.Add(entry);
        }

        if (array.Count > 0)
        {
            schema["x-kubernetes-validations"] = array;
        }
    }
}
