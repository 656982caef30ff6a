using System.Text.Json;
using System.Text.Json.Nodes;

namespace PostTrain.Kube.Testing.Validation;

/// <summary>
/// One node of a CRD version's <c>openAPIV3Schema</c>, read the way kube-apiserver converts it for validation
/// (apiextensions-apiserver pkg/apiserver/validation: ConvertJSONSchemaPropsWithPostProcess and
/// StripUnsupportedFormatsPostProcessorForVersion): <c>x-kubernetes-int-or-string</c> makes the types
/// integer and string, and formats kube does not check are dropped.
/// </summary>
internal sealed class SchemaNode
{
    // The string formats kube-apiserver 1.34 checks: those supported at its CEL/format compatibility version 1.33
    // (formats.go supportedVersionedFormats; k8s-short-name and k8s-long-name arrive with compatibility version 1.34).
    // Names are normalised by removing dashes, as go-openapi's format registry does.
    private static readonly HashSet<string> SupportedStringFormats = new(StringComparer.Ordinal)
    {
        "bsonobjectid", "uri", "email", "hostname", "ipv4", "ipv6", "cidr", "mac", "uuid", "uuid3", "uuid4", "uuid5",
        "isbn", "isbn10", "isbn13", "creditcard", "ssn", "hexcolor", "rgbcolor", "byte", "password", "date", "duration",
        "datetime",
    };

    /// <summary>The declared <c>type</c>, or empty (int-or-string has none).</summary>
    public string Type { get; private init; } = "";

    /// <summary>The types a value may have: the declared type, integer and string for int-or-string, or none.</summary>
    public IReadOnlyList<string> Types { get; private init; } = [];

    /// <summary>The format as kube validates it (unsupported ones are empty).</summary>
    public string Format { get; private init; } = "";

    /// <summary>The declared format, unfiltered (CEL reads date-time, date, duration and byte from it).</summary>
    public string DeclaredFormat { get; private init; } = "";

    public bool Nullable { get; private init; }

    public IReadOnlyList<JsonNode?>? Enum { get; private init; }

    /// <summary>The default value, or null when there is none (a null default is none).</summary>
    public JsonNode? Default { get; internal set; }

    public double? Maximum { get; private init; }

    public bool ExclusiveMaximum { get; private init; }

    public double? Minimum { get; private init; }

    public bool ExclusiveMinimum { get; private init; }

    public double? MultipleOf { get; private init; }

    public long? MaxLength { get; private init; }

    public long? MinLength { get; private init; }

    public string? Pattern { get; private init; }

    public long? MaxItems { get; private init; }

    public long? MinItems { get; private init; }

    public bool UniqueItems { get; private init; }

    public long? MaxProperties { get; private init; }

    public long? MinProperties { get; private init; }

    public IReadOnlyList<string> Required { get; private init; } = [];

    /// <summary>The properties in declaration order, or null where the schema has no <c>properties</c>.</summary>
    public IReadOnlyList<KeyValuePair<string, SchemaNode>>? PropertyList { get; private init; }

    /// <summary>The properties by name, or null where the schema has no <c>properties</c>.</summary>
    public IReadOnlyDictionary<string, SchemaNode>? Properties { get; private init; }

    /// <summary><c>additionalProperties</c> as a schema, or null.</summary>
    public SchemaNode? AdditionalPropertiesSchema { get; private init; }

    /// <summary><c>additionalProperties</c>: true or a schema allows, false forbids; null when absent.</summary>
    public bool? AdditionalPropertiesAllows { get; private init; }

    public SchemaNode? Items { get; private init; }

    public IReadOnlyList<SchemaNode> AllOf { get; private init; } = [];

    public IReadOnlyList<SchemaNode> AnyOf { get; private init; } = [];

    public IReadOnlyList<SchemaNode> OneOf { get; private init; } = [];

    public SchemaNode? Not { get; private init; }

    public bool PreserveUnknownFields { get; private init; }

    public bool EmbeddedResource { get; private init; }

    public bool IntOrString { get; private init; }

    public string? ListType { get; private init; }

    public IReadOnlyList<string> ListMapKeys { get; private init; } = [];

    public string? MapType { get; private init; }

    public IReadOnlyList<ValidationRule> Rules { get; private init; } = [];

    /// <summary>The schema for an object's key: its property, else the additionalProperties schema, else null.</summary>
    public SchemaNode? ForKey(string key) =>
        Properties is not null && Properties.TryGetValue(key, out var property) ? property : AdditionalPropertiesSchema;

    /// <summary>Reads a schema object.</summary>
    public static SchemaNode Parse(JsonObject json)
    {
        var intOrString = Flag(json, "x-kubernetes-int-or-string");
        var type = json["type"] is JsonValue t && t.GetValueKind() == JsonValueKind.String ? t.GetValue<string>() : "";
        IReadOnlyList<string> types = intOrString ? ["integer", "string"] : type.Length > 0 ? [type] : [];
        var declaredFormat = json["format"] is JsonValue f && f.GetValueKind() == JsonValueKind.String ? f.GetValue<string>() : "";

        List<KeyValuePair<string, SchemaNode>>? propertyList = null;
        Dictionary<string, SchemaNode>? properties = null;
        if (json["properties"] is JsonObject props)
        {
            propertyList = [];
            properties = new Dictionary<string, SchemaNode>(StringComparer.Ordinal);
            foreach (var (name, value) in props)
            {
                var child = value is JsonObject o ? Parse(o) : new SchemaNode();
                propertyList.Add(new(name, child));
                properties[name] = child;
            }
        }

        SchemaNode? additionalSchema = null;
        bool? additionalAllows = null;
        switch (json["additionalProperties"])
        {
            case JsonObject o:
                additionalSchema = Parse(o);
                additionalAllows = true;
                break;
            case JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False:
                additionalAllows = v.GetValueKind() == JsonValueKind.True;
                break;
        }

        var node = new SchemaNode
        {
            Type = type,
            Types = types,
            DeclaredFormat = declaredFormat,
            Format = SupportedFormat(types, declaredFormat),
            Nullable = Flag(json, "nullable"),
            Enum = json["enum"] is JsonArray e ? e.Select(JsonData.Clone).ToList() : null,
            Default = JsonData.Clone(json["default"]),
            Maximum = Number(json, "maximum"),
            ExclusiveMaximum = Flag(json, "exclusiveMaximum"),
            Minimum = Number(json, "minimum"),
            ExclusiveMinimum = Flag(json, "exclusiveMinimum"),
            MultipleOf = Number(json, "multipleOf"),
            MaxLength = Integer(json, "maxLength"),
            MinLength = Integer(json, "minLength"),
            Pattern = json["pattern"] is JsonValue p && p.GetValueKind() == JsonValueKind.String ? p.GetValue<string>() : null,
            MaxItems = Integer(json, "maxItems"),
            MinItems = Integer(json, "minItems"),
            UniqueItems = Flag(json, "uniqueItems"),
            MaxProperties = Integer(json, "maxProperties"),
            MinProperties = Integer(json, "minProperties"),
            Required = Strings(json["required"]),
            PropertyList = propertyList,
            Properties = properties,
            AdditionalPropertiesSchema = additionalSchema,
            AdditionalPropertiesAllows = additionalAllows,
            Items = json["items"] switch
            {
                JsonObject o => Parse(o),
                JsonArray { Count: > 0 } a when a[0] is JsonObject first => Parse(first),
                _ => null,
            },
            AllOf = Schemas(json["allOf"]),
            AnyOf = Schemas(json["anyOf"]),
            OneOf = Schemas(json["oneOf"]),
            Not = json["not"] is JsonObject not ? Parse(not) : null,
            PreserveUnknownFields = Flag(json, "x-kubernetes-preserve-unknown-fields"),
            EmbeddedResource = Flag(json, "x-kubernetes-embedded-resource"),
            IntOrString = intOrString,
            ListType = json["x-kubernetes-list-type"] is JsonValue lt && lt.GetValueKind() == JsonValueKind.String ? lt.GetValue<string>() : null,
            ListMapKeys = Strings(json["x-kubernetes-list-map-keys"]),
            MapType = json["x-kubernetes-map-type"] is JsonValue mt && mt.GetValueKind() == JsonValueKind.String ? mt.GetValue<string>() : null,
            Rules = ParseRules(json["x-kubernetes-validations"]),
        };

        // kube-apiserver prunes defaults by their schema when it loads the CRD (customresource_handler.go: PruneDefaults).
        if (node.Default is not null)
        {
            node.Default = Pruner.PruneDefault(node.Default, node);
        }

        return node;
    }

    private static string SupportedFormat(IReadOnlyList<string> types, string format)
    {
        if (format.Length == 0)
        {
            return "";
        }

        var type = types.Count == 1 ? types[0] : "";
        return type switch
        {
            "" or "string" => SupportedStringFormats.Contains(format.Replace("-", "", StringComparison.Ordinal)) ? format : "",
            "integer" => format is "int32" or "int64" ? format : "",
            "number" => format is "float" or "double" ? format : "",
            _ => "",
        };
    }

    private static bool Flag(JsonObject json, string name) => json[name] is JsonValue v && v.GetValueKind() == JsonValueKind.True;

    private static double? Number(JsonObject json, string name) =>
        json[name] is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? JsonData.Double(v) : null;

    private static long? Integer(JsonObject json, string name) =>
        json[name] is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? (long)JsonData.Double(v) : null;

    private static List<string> Strings(JsonNode? node) =>
        node is JsonArray a ? a.OfType<JsonValue>().Where(v => v.GetValueKind() == JsonValueKind.String).Select(v => v.GetValue<string>()).ToList() : [];

    private static List<SchemaNode> Schemas(JsonNode? node) =>
        node is JsonArray a ? a.OfType<JsonObject>().Select(Parse).ToList() : [];

    private static List<ValidationRule> ParseRules(JsonNode? node)
    {
        var rules = new List<ValidationRule>();
        foreach (var rule in (node as JsonArray ?? []).OfType<JsonObject>())
        {
            rules.Add(new ValidationRule(
                Text(rule["rule"]) ?? "",
                Text(rule["message"]),
                Text(rule["messageExpression"]),
                Text(rule["reason"]),
                Text(rule["fieldPath"]),
                rule["optionalOldSelf"] is JsonValue o && o.GetValueKind() == JsonValueKind.True));
        }

        return rules;
    }

    private static string? Text(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
}
