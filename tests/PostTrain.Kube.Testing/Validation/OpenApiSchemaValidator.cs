using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace PostTrain.Kube.Testing.Validation;

/// <summary>
/// Validates a decoded value against a schema the way kube-apiserver 1.34's k8s.io/kube-openapi
/// pkg/validation/validate SchemaValidator does (schema.go, type.go, validator.go, slice_validator.go,
/// object_validator.go, schema_props.go, values.go), with the messages of pkg/validation/errors/schema.go, e.g.
/// <c>spec.x in body should be greater than or equal to 1</c>. Per value, the checks run in kube's order: type,
/// anyOf/oneOf/allOf/not, string, format, number, array, enum, object; errors are unique by message. With a
/// <see cref="Correlation"/> (an update), a value equal to its old value reports no errors (ratcheting,
/// apiextensions-apiserver pkg/apiserver/validation/ratcheting.go).
/// </summary>
internal static class OpenApiSchemaValidator
{
    private const string In = "body";

    private static readonly ConcurrentDictionary<string, (Regex? Regex, string? Error)> Patterns = new(StringComparer.Ordinal);

    /// <summary>Validates <paramref name="data"/> at kube-openapi path <paramref name="path"/> ("" at the root).</summary>
    public static OpenApiResult Validate(SchemaNode schema, string path, JsonNode? data, Correlation? correlation) =>
        Validate(schema, path, data, correlation, ratchet: true);

    /// <summary>Converts kube-openapi errors to field errors under <paramref name="fieldPath"/> (validation.go kubeOpenAPIResultToFieldErrors).</summary>
    public static List<FieldError> ToFieldErrors(string? fieldPath, OpenApiResult result)
    {
        var errors = new List<FieldError>();
        foreach (var error in result.Errors)
        {
            if (error.Code == OpenApiErrorCode.Composite)
            {
                errors.Add(FieldError.Invalid(FieldPath.Print(fieldPath), "", error.Message));
                continue;
            }

            var errPath = fieldPath;
            if (error.Name.Length > 0 && error.Name != ".")
            {
                errPath = FieldPath.Child(fieldPath, error.Name.StartsWith('.') ? error.Name[1..] : error.Name);
            }

            var field = FieldPath.Print(errPath);
            errors.Add(error.Code switch
            {
                OpenApiErrorCode.Required => FieldError.Required(field, ""),
                OpenApiErrorCode.Enum => FieldError.NotSupported(field, error.Value,
                    (error.Values ?? []).Select(v => JsonData.Kind(v) == GoKind.String ? JsonData.String(v) : GoFormat.Json(v)).ToList()),
                OpenApiErrorCode.TooLong => FieldError.TooLong(field, error.Valid ?? -1),
                OpenApiErrorCode.MaxItems or OpenApiErrorCode.TooManyProperties =>
                    FieldError.TooMany(field, error.Value is long actual ? actual : -1, error.Valid ?? -1),
                OpenApiErrorCode.InvalidType => FieldError.TypeInvalid(field, error.Value ?? "", error.Message),
                _ => FieldError.Invalid(field, error.Value ?? "", error.Message),
            });
        }

        return errors;
    }

    private static OpenApiResult Validate(SchemaNode schema, string path, JsonNode? data, Correlation? correlation, bool ratchet)
    {
        var result = Check(schema, path, data, correlation);
        if (ratchet && correlation is not null && !result.IsValid && correlation.DeepEqual())
        {
            result.ClearErrors();
        }

        return result;
    }

    private static OpenApiResult Check(SchemaNode schema, string path, JsonNode? data, Correlation? correlation)
    {
        var result = new OpenApiResult();
        if (data is null)
        {
            result.Merge(TypeCheck(schema, path, null));
            result.Merge(EnumCheck(schema, path, null));
            return result;
        }

        var kind = JsonData.Kind(data);
        if (schema.Types.Count > 0 || schema.Format.Length > 0)
        {
            result.Merge(TypeCheck(schema, path, data));
            result.MatchCount++;
        }

        result.Merge(CompositeCheck(schema, path, data, correlation));
        result.MatchCount++;
        if (kind == GoKind.String)
        {
            result.Merge(StringCheck(schema, path, JsonData.String(data)));
            result.MatchCount++;
            if (schema.Format.Length > 0)
            {
                result.Merge(FormatCheck(schema, path, JsonData.String(data)));
                result.MatchCount++;
            }
        }

        if (kind is GoKind.Int64 or GoKind.Float64)
        {
            result.Merge(NumberCheck(schema, path, data));
            result.MatchCount++;
        }

        if (kind == GoKind.Array)
        {
            result.Merge(ArrayCheck(schema, path, (JsonArray)data, correlation));
            result.MatchCount++;
        }

        result.Merge(EnumCheck(schema, path, data));
        result.MatchCount++;
        if (kind == GoKind.Object)
        {
            result.Merge(ObjectCheck(schema, path, (JsonObject)data, correlation));
            result.MatchCount++;
        }

        result.MatchCount++;
        return result;
    }

    /// <summary>type.go typeValidator.</summary>
    private static OpenApiResult TypeCheck(SchemaNode schema, string path, JsonNode? data)
    {
        var ok = new OpenApiResult { MatchCount = 1 };
        if (data is null)
        {
            if (schema.Types.Count > 0 && !schema.Types.Contains("null") && !schema.Nullable)
            {
                return OpenApiResult.Of(InvalidType(path, string.Join(",", schema.Types), "null"));
            }

            return ok;
        }

        var kind = JsonData.Kind(data);
        var (schemaType, format) = kind switch
        {
            GoKind.Bool => ("boolean", ""),
            GoKind.String => ("string", ""),
            GoKind.Int64 => ("integer", "int64"),
            GoKind.Float64 => ("number", "float64"),
            GoKind.Array => ("array", ""),
            _ => ("object", ""),
        };
        var types = schema.Types;
        var isFloatInt = schemaType == "number" && IsJsonInteger(JsonData.Double(data)) && types.Contains("integer");
        var isIntFloat = schemaType == "integer" && types.Contains("number");
        if (kind != GoKind.String && kind != GoKind.Array && schema.Format.Length > 0
            && !(types.Contains(schemaType) || format == schema.Format || isFloatInt || isIntFloat))
        {
            return OpenApiResult.Of(InvalidType(path, schema.Format, format));
        }

        if (!(types.Contains("number") || types.Contains("integer")) && schema.Format.Length > 0 && kind is GoKind.String or GoKind.Array)
        {
            return ok;
        }

        if (!(types.Contains(schemaType) || isFloatInt || isIntFloat))
        {
            return OpenApiResult.Of(InvalidType(path, string.Join(",", types), schemaType));
        }

        return ok;
    }

    /// <summary>schema_props.go: anyOf, oneOf, allOf and not, each branch validated at the same path.</summary>
    private static OpenApiResult CompositeCheck(SchemaNode schema, string path, JsonNode data, Correlation? correlation)
    {
        var main = new OpenApiResult();
        if (schema.AnyOf.Count > 0)
        {
            OpenApiResult? best = null;
            OpenApiResult? firstSuccess = null;
            var succeeded = false;
            foreach (var branch in schema.AnyOf)
            {
                var result = Validate(branch, path, data, correlation, ratchet: false);
                if (result.IsValid)
                {
                    best = null;
                    succeeded = true;
                    firstSuccess ??= result;
                    break;
                }

                if (best is null || result.MatchCount > best.MatchCount)
                {
                    best = result;
                }
            }

            if (!succeeded)
            {
                main.Add(Composite($"{GoFormat.Quote(path)} must validate at least one schema (anyOf)"));
            }

            main.Merge(best ?? firstSuccess);
        }

        if (schema.OneOf.Count > 0)
        {
            OpenApiResult? best = null;
            OpenApiResult? firstSuccess = null;
            var validated = 0;
            foreach (var branch in schema.OneOf)
            {
                var result = Validate(branch, path, data, correlation, ratchet: false);
                if (result.IsValid)
                {
                    validated++;
                    best = null;
                    firstSuccess ??= result;
                    continue;
                }

                if (validated == 0 && (best is null || result.MatchCount > best.MatchCount))
                {
                    best = result;
                }
            }

            if (validated != 1)
            {
                var more = validated == 0 ? "Found none valid" : string.Create(CultureInfo.InvariantCulture, $"Found {validated} valid alternatives");
                main.Add(Composite($"{GoFormat.Quote(path)} must validate one and only one schema (oneOf). {more}"));
                main.Merge(best);
            }
            else
            {
                main.Merge(firstSuccess);
            }
        }

        if (schema.AllOf.Count > 0)
        {
            var validated = 0;
            foreach (var branch in schema.AllOf)
            {
                var result = Validate(branch, path, data, correlation, ratchet: false);
                if (result.IsValid)
                {
                    validated++;
                }

                main.Merge(result);
            }

            if (validated != schema.AllOf.Count)
            {
                main.Add(Composite($"{GoFormat.Quote(path)} must validate all the schemas (allOf){(validated == 0 ? ". None validated" : "")}"));
            }
        }

        if (schema.Not is not null && Validate(schema.Not, path, data, correlation, ratchet: false).IsValid)
        {
            main.Add(Composite($"{GoFormat.Quote(path)} must not validate the schema (not)"));
        }

        main.MatchCount++;
        return main;
    }

    /// <summary>validator.go stringValidator: maxLength, then minLength, then pattern; the first failure only.</summary>
    private static OpenApiResult? StringCheck(SchemaNode schema, string path, string value)
    {
        var length = value.EnumerateRunes().Count();
        if (schema.MaxLength is { } max && length > max)
        {
            return OpenApiResult.Of(new(OpenApiErrorCode.TooLong, path, value, max, null, Message(path, $"should be at most {max} chars long")));
        }

        if (schema.MinLength is { } min && length < min)
        {
            return OpenApiResult.Of(new(OpenApiErrorCode.TooShort, path, value, min, null, Message(path, $"should be at least {min} chars long")));
        }

        if (schema.Pattern is { } pattern)
        {
            var (regex, error) = Patterns.GetOrAdd(pattern, Compile);
            if (regex is null)
            {
                return OpenApiResult.Of(new(OpenApiErrorCode.Pattern, path, value, null, null, Message(path, $"should match '{pattern}, but pattern is invalid: {error}'")));
            }

            if (!regex.IsMatch(value))
            {
                return OpenApiResult.Of(new(OpenApiErrorCode.Pattern, path, value, null, null, Message(path, $"should match '{pattern}'")));
            }
        }

        return null;
    }

    /// <summary>formats.go formatValidator: a string of a known format that does not parse is of the wrong "type".</summary>
    private static OpenApiResult? FormatCheck(SchemaNode schema, string path, string value) =>
        StringFormats.IsValid(schema.Format, value) ? null : OpenApiResult.Of(InvalidType(path, schema.Format, value));

    /// <summary>validator.go numberValidator: multipleOf, minimum, maximum, in integer arithmetic for integers.</summary>
    private static OpenApiResult NumberCheck(SchemaNode schema, string path, JsonNode data)
    {
        var result = new OpenApiResult();
        var isInt = JsonData.TryInt64(data, out var i);
        var d = isInt ? i : JsonData.Double(data);
        object value = isInt ? i : (object)d;
        if (schema.MultipleOf is { } factor)
        {
            if (isInt)
            {
                var f = (long)factor;
                if (f <= 0)
                {
                    result.Add(new(OpenApiErrorCode.MultipleOfMustBePositive, path, f, null, null, $"factor MultipleOf declared for {path} must be positive: {GoFormat.Int(f)}"));
                }
                else if (i / f * f != i)
                {
                    result.Add(new(OpenApiErrorCode.MultipleOf, path, value, null, null, Message(path, $"should be a multiple of {GoFormat.Int(f)}")));
                }
            }
            else if (factor <= 0)
            {
                result.Add(new(OpenApiErrorCode.MultipleOfMustBePositive, path, factor, null, null, $"factor MultipleOf declared for {path} must be positive: {GoFormat.Float(factor)}"));
            }
            else if (!IsJsonInteger(factor < 1 ? 1 / factor * d : d / factor))
            {
                result.Add(new(OpenApiErrorCode.MultipleOf, path, value, null, null, Message(path, $"should be a multiple of {GoFormat.Float(factor)}")));
            }
        }

        if (schema.Minimum is { } minimum)
        {
            var exclusive = schema.ExclusiveMinimum;
            var fails = isInt
                ? (!exclusive && i < (long)minimum) || (exclusive && i <= (long)minimum)
                : (!exclusive && d < minimum) || (exclusive && d <= minimum);
            if (fails)
            {
                var bound = isInt ? GoFormat.Int((long)minimum) : GoFormat.Float(minimum);
                result.Add(new(OpenApiErrorCode.Minimum, path, value, null, null, Message(path, exclusive ? $"should be greater than {bound}" : $"should be greater than or equal to {bound}")));
            }
        }

        if (schema.Maximum is { } maximum)
        {
            var exclusive = schema.ExclusiveMaximum;
            var fails = isInt
                ? (!exclusive && i > (long)maximum) || (exclusive && i >= (long)maximum)
                : (!exclusive && d > maximum) || (exclusive && d >= maximum);
            if (fails)
            {
                var bound = isInt ? GoFormat.Int((long)maximum) : GoFormat.Float(maximum);
                result.Add(new(OpenApiErrorCode.Maximum, path, value, null, null, Message(path, exclusive ? $"should be less than {bound}" : $"should be less than or equal to {bound}")));
            }
        }

        result.MatchCount++;
        return result;
    }

    /// <summary>slice_validator.go: items, then minItems, maxItems, uniqueItems.</summary>
    private static OpenApiResult ArrayCheck(SchemaNode schema, string path, JsonArray array, Correlation? correlation)
    {
        var result = new OpenApiResult();
        if (schema.Items is not null)
        {
            for (var i = 0; i < array.Count; i++)
            {
                result.Merge(Validate(schema.Items, string.Create(CultureInfo.InvariantCulture, $"{path}[{i}]"), array[i], correlation?.Index(i), ratchet: true));
            }
        }

        long size = array.Count;
        if (schema.MinItems is { } min && size < min)
        {
            result.Add(new(OpenApiErrorCode.MinItems, path, size, min, null, Message(path, $"should have at least {min} items")));
        }

        if (schema.MaxItems is { } max && size > max)
        {
            result.Add(new(OpenApiErrorCode.MaxItems, path, size, max, null, Message(path, $"should have at most {max} items")));
        }

        if (schema.UniqueItems)
        {
            for (var i = 1; i < array.Count; i++)
            {
                if (Enumerable.Range(0, i).Any(j => JsonData.DeepEqual(array[i], array[j])))
                {
                    result.Add(new(OpenApiErrorCode.Unique, path, null, null, null, Message(path, "shouldn't contain duplicates")));
                    break;
                }
            }
        }

        result.MatchCount++;
        return result;
    }

    /// <summary>validator.go basicCommonValidator: the value must equal an enum value after Go's reflect conversion.</summary>
    private static OpenApiResult? EnumCheck(SchemaNode schema, string path, JsonNode? data)
    {
        if (schema.Enum is not { Count: > 0 } values)
        {
            return null;
        }

        if (data is not null && values.Any(v => EnumEquals(data, v)))
        {
            return null;
        }

        var listed = string.Join(" ", values.Select(v => JsonData.Kind(v) == GoKind.String ? JsonData.String(v) : GoFormat.Json(v)));
        return OpenApiResult.Of(new(OpenApiErrorCode.Enum, path, GoValue(data), null, values, Message(path, $"should be one of [{listed}]")));
    }

    /// <summary>object_validator.go: property counts, additionalProperties, properties, required.</summary>
    private static OpenApiResult ObjectCheck(SchemaNode schema, string path, JsonObject obj, Correlation? correlation)
    {
        var result = new OpenApiResult();
        long count = obj.Count;
        if (schema.MinProperties is { } min && count < min)
        {
            result.Add(new(OpenApiErrorCode.TooFewProperties, path, count, min, null, Message(path, $"should have at least {min} properties")));
        }

        if (schema.MaxProperties is { } max && count > max)
        {
            result.Add(new(OpenApiErrorCode.TooManyProperties, path, count, max, null, Message(path, $"should have at most {max} properties")));
        }

        if (schema.AdditionalPropertiesAllows == false)
        {
            foreach (var (key, _) in obj)
            {
                if (schema.Properties is null || !schema.Properties.ContainsKey(key))
                {
                    result.Add(new(OpenApiErrorCode.UnallowedProperty, path, key, null, null, $"{path}.{key} in {In} is a forbidden property"));
                }
            }
        }
        else if (schema.AdditionalPropertiesSchema is { } additional)
        {
            foreach (var (key, value) in obj)
            {
                if (schema.Properties is null || !schema.Properties.ContainsKey(key))
                {
                    result.Merge(Validate(additional, $"{path}.{key}", value, ChildCorrelation(correlation, path, key), ratchet: true));
                }
            }
        }

        foreach (var (name, property) in schema.PropertyList ?? [])
        {
            if (obj.TryGetPropertyValue(name, out var value))
            {
                var childPath = path.Length == 0 ? name : $"{path}.{name}";
                result.Merge(Validate(property, childPath, value, ChildCorrelation(correlation, path, name), ratchet: true));
            }
        }

        foreach (var name in schema.Required)
        {
            if (!obj.ContainsKey(name))
            {
                result.Add(new(OpenApiErrorCode.Required, $"{path}.{name}", null, null, null, $"{path}.{name} in {In} is required"));
            }
        }

        return result;
    }

    /// <summary>ratcheting.go SubPropertyValidator: apiVersion and kind of the root are never ratcheted.</summary>
    private static Correlation? ChildCorrelation(Correlation? correlation, string path, string field) =>
        path.Length == 0 && field is "apiVersion" or "kind" ? null : correlation?.Key(field);

    private static bool EnumEquals(JsonNode data, JsonNode? enumValue)
    {
        var dataKind = JsonData.Kind(data);
        switch (JsonData.Kind(enumValue))
        {
            case GoKind.Null:
                return false;
            case GoKind.String:
                if (dataKind == GoKind.String)
                {
                    return JsonData.String(data) == JsonData.String(enumValue);
                }

                // Go converts an integer to the string of that code point (reflect.Value.Convert).
                return dataKind == GoKind.Int64 && JsonData.TryInt64(data, out var code)
                    && (code is >= 0 and <= 0x10FFFF && !(code is >= 0xD800 and <= 0xDFFF) ? char.ConvertFromUtf32((int)code) : "\uFFFD") == JsonData.String(enumValue);
            case GoKind.Int64:
                JsonData.TryInt64(enumValue, out var e);
                return dataKind switch
                {
                    GoKind.Int64 => JsonData.TryInt64(data, out var x) && x == e,
                    GoKind.Float64 => (long)JsonData.Double(data) == e,
                    _ => false,
                };
            case GoKind.Float64:
                return dataKind switch
                {
                    GoKind.Int64 => JsonData.TryInt64(data, out var x) && (double)x == JsonData.Double(enumValue),
                    GoKind.Float64 => JsonData.Double(data) == JsonData.Double(enumValue),
                    _ => false,
                };
            case GoKind.Bool:
                return dataKind == GoKind.Bool && JsonData.Bool(data) == JsonData.Bool(enumValue);
            default:
                return JsonData.DeepEqual(data, enumValue);
        }
    }

    /// <summary>The value a kube-openapi error carries for <paramref name="data"/>.</summary>
    private static object? GoValue(JsonNode? data) => JsonData.Kind(data) switch
    {
        GoKind.Null => null,
        GoKind.Bool => JsonData.Bool(data),
        GoKind.String => JsonData.String(data),
        GoKind.Int64 => JsonData.TryInt64(data, out var i) ? i : 0L,
        GoKind.Float64 => JsonData.Double(data),
        _ => data,
    };

    /// <summary>swag.IsFloat64AJSONInteger.</summary>
    private static bool IsJsonInteger(double f)
    {
        const double maxJson = 9007199254740991; // 2^53 - 1
        if (double.IsNaN(f) || double.IsInfinity(f) || f < -maxJson || f > maxJson)
        {
            return false;
        }

        var g = Math.Truncate(f);
        if (f == g)
        {
            return true;
        }

        var diff = Math.Abs(f - g);
        return diff / Math.Min(Math.Abs(f) + Math.Abs(g), double.MaxValue) < 1e-9;
    }

    private static OpenApiError InvalidType(string path, string typeName, string value) =>
        new(OpenApiErrorCode.InvalidType, path, value, null, null, $"{path} in {In} must be of type {typeName}: {GoFormat.Quote(value)}");

    private static OpenApiError Composite(string message) => new(OpenApiErrorCode.Composite, "", null, null, null, message);

    private static string Message(string path, string text) => $"{path} in {In} {text}";

    /// <summary>
    /// A schema pattern as Go's regexp (RE2) would match it: unanchored; .NET's non-backtracking engine stands in for
    /// RE2 (same linear-time subset, no backreferences or lookarounds).
    /// </summary>
    private static (Regex? Regex, string? Error) Compile(string pattern)
    {
        try
        {
            return (new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking), null);
        }
        catch (ArgumentException nonBacktracking)
        {
            try
            {
                return (new Regex(pattern, RegexOptions.CultureInvariant), null);
            }
            catch (ArgumentException)
            {
                return (null, nonBacktracking.Message);
            }
        }
    }
}
