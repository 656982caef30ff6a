using System.Text.Json;
using System.Text.Json.Nodes;

namespace PostTrain.Kube.Testing.Validation;

/// <summary>
/// What kube-apiserver 1.34 does to a custom resource written to it, given the CustomResourceDefinition: it drops the
/// fields the version's structural schema does not specify (reporting them as unknown under the
/// <c>fieldValidation</c> query parameter), fills in defaults, then validates: kind and apiVersion, the OpenAPI
/// schema (types, formats, bounds, enums, required fields...), embedded resources, list-type uniqueness and the
/// <c>x-kubernetes-validations</c> CEL rules, with transition rules and ratcheting on update.
/// </summary>
/// <remarks>
/// Order as in apiextensions-apiserver: customresource_handler.go (unstructuredSchemaCoercer.apply: metadata, prune,
/// prune nulls, embedded metadata; then unstructuredDefaulter) and pkg/registry/customresource (strategy.go and
/// status_strategy.go Validate/ValidateUpdate, validator.go).
/// </remarks>
public static class CustomResourceValidation
{
    private static readonly HashSet<string> StandardFinalizers = new(StringComparer.Ordinal) { "orphan", "foregroundDeletion", "kubernetes" };

    /// <summary>Validates a create (<paramref name="old"/> null) or an update of a custom resource.</summary>
    /// <param name="crd">The CustomResourceDefinition object.</param>
    /// <param name="version">The version the object is written in.</param>
    /// <param name="obj">The object as sent; it is not modified.</param>
    /// <param name="old">The stored object on update, else null.</param>
    /// <param name="fieldValidation">Strict, Warn or Ignore; null or empty means Warn, kube's default.</param>
    /// <param name="options">The subresource and duplicate fields of the request, if any.</param>
    /// <returns>The pruned and defaulted object with the errors and warnings kube would give.</returns>
    /// <exception cref="ArgumentException">The CRD lacks the version, or <paramref name="fieldValidation"/> is not one of the values kube knows.</exception>
    public static Result Validate(JsonObject crd, string version, JsonObject obj, JsonObject? old, string? fieldValidation, CustomResourceValidationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(crd);
        ArgumentNullException.ThrowIfNull(obj);
        options ??= new CustomResourceValidationOptions();
        var directive = string.IsNullOrEmpty(fieldValidation) ? "Warn" : fieldValidation;
        if (directive is not ("Strict" or "Warn" or "Ignore"))
        {
            throw new ArgumentException($"fieldValidation: Unsupported value: {GoFormat.Quote(directive)}: supported values: \"\", \"Ignore\", \"Strict\", \"Warn\"", nameof(fieldValidation));
        }

        var schema = CrdVersionSchema.For(crd, version);
        var work = (JsonObject)obj.DeepClone();

        // Decoding: ObjectMeta's unknown fields, then pruning by the schema, then embedded resources' metadata.
        var unknown = ObjectMetaFields.PruneUnknown(work, null);
        if (schema.Root is not null && !schema.PreserveUnknownFields)
        {
            unknown.AddRange(Pruner.Prune(work, schema.Root, isResourceRoot: true));
            Pruner.PruneNonNullableNullsWithoutDefaults(work, schema.Root);
        }

        unknown.AddRange(ObjectMetaFields.CoerceEmbedded(work, schema.Root));
        Defaulter.Default(work, schema.Root);

        var strict = options.DuplicateFields.Select(d => $"duplicate field {GoFormat.Quote(d)}")
            .Concat(unknown.Select(u => $"unknown field \"{u}\""))
            .ToList();
        var warnings = new List<string>();
        if (directive == "Strict" && strict.Count > 0)
        {
            return new Result(schema, work, [], strict, [], unknown, options.DuplicateFields);
        }

        if (directive == "Warn")
        {
            warnings.AddRange(strict);
        }

        var status = string.Equals(options.Subresource, "status", StringComparison.Ordinal);
        var errors = status ? ValidateStatus(schema, work, old, warnings) : ValidateResource(schema, work, old, warnings);
        warnings.AddRange(FinalizerWarnings(work, old));
        return new Result(schema, work, errors, [], warnings.Distinct(StringComparer.Ordinal).ToList(), unknown, options.DuplicateFields);
    }

    /// <summary>Validates a request body: parses it noting duplicate fields (<see cref="JsonBodyReader"/>), then as the other overload.</summary>
    /// <param name="crd">The CustomResourceDefinition object.</param>
    /// <param name="version">The version the object is written in.</param>
    /// <param name="body">The JSON request body.</param>
    /// <param name="old">The stored object on update, else null.</param>
    /// <param name="fieldValidation">Strict, Warn or Ignore; null or empty means Warn.</param>
    /// <param name="subresource">Null, or <c>status</c>.</param>
    /// <returns>The result.</returns>
    /// <exception cref="JsonException">The body is not a JSON object.</exception>
    public static Result Validate(JsonObject crd, string version, ReadOnlySpan<byte> body, JsonObject? old, string? fieldValidation, string? subresource = null)
    {
        var parsed = JsonBodyReader.Parse(body, out var duplicates) as JsonObject ?? throw new JsonException("the body is not a JSON object");
        return Validate(crd, version, parsed, old, fieldValidation, new CustomResourceValidationOptions { Subresource = subresource, DuplicateFields = duplicates });
    }

    /// <summary>customResourceStrategy.Validate / ValidateUpdate.</summary>
    private static List<FieldError> ValidateResource(CrdVersionSchema schema, JsonObject obj, JsonObject? old, List<string> warnings)
    {
        var correlation = old is null ? null : new Correlation(obj, old, schema.Root);
        var errors = TypeMeta(schema, obj);
        if (errors.Count == 0 && schema.Root is not null)
        {
            errors.AddRange(OpenApiSchemaValidator.ToFieldErrors(null, OpenApiSchemaValidator.Validate(schema.Root, "", obj, correlation)));
        }

        errors.AddRange(ObjectMetaFields.ValidateEmbedded(obj, schema.Root));
        if (old is null || ListTypeValidator.Validate(schema.Root, old).Count == 0)
        {
            errors.AddRange(ListTypeValidator.Validate(schema.Root, obj));
        }

        ValidateRules(schema, obj, old, correlation, errors, warnings);
        return errors;
    }

    /// <summary>statusStrategy.ValidateUpdate: only <c>status</c> is checked against its schema; CEL sees the whole object.</summary>
    private static List<FieldError> ValidateStatus(CrdVersionSchema schema, JsonObject obj, JsonObject? old, List<string> warnings)
    {
        var correlation = old is null ? null : new Correlation(obj, old, schema.Root);
        var errors = TypeMeta(schema, obj);
        if (errors.Count == 0 && schema.Status is { } statusSchema && obj.TryGetPropertyValue("status", out var status))
        {
            var statusCorrelation = correlation?.Key("status");
            errors.AddRange(OpenApiSchemaValidator.ToFieldErrors("status", OpenApiSchemaValidator.Validate(statusSchema, "", status, statusCorrelation)));
        }

        var listErrors = ListTypeValidator.Validate(schema.Root, obj);
        if (listErrors.Count > 0 && (old is null || ListTypeValidator.Validate(schema.Root, old).Count == 0))
        {
            errors.AddRange(listErrors);
        }

        ValidateRules(schema, obj, old, correlation, errors, warnings);
        return errors;
    }

    /// <summary>The CEL rules, unless an earlier error blocks them (strategy.go hasBlockingErr).</summary>
    private static void ValidateRules(CrdVersionSchema schema, JsonObject obj, JsonObject? old, Correlation? correlation, List<FieldError> errors, List<string> warnings)
    {
        if (schema.Root is null)
        {
            return;
        }

        if (errors.Exists(e => e.Type is FieldErrorType.NotSupported or FieldErrorType.Required or FieldErrorType.TooLong or FieldErrorType.TooMany or FieldErrorType.TypeInvalid))
        {
            errors.Add(FieldError.Invalid(FieldPath.Nil, null, "some validation rules were not checked because the object was invalid; correct the existing errors to complete validation"));
            return;
        }

        schema.Cel.Validate(schema.Root, obj, old, correlation, errors, warnings);
    }

    /// <summary>customResourceValidator.ValidateTypeMeta.</summary>
    private static List<FieldError> TypeMeta(CrdVersionSchema schema, JsonObject obj)
    {
        var errors = new List<FieldError>();
        var kind = obj["kind"] is JsonValue k && k.GetValueKind() == JsonValueKind.String ? k.GetValue<string>() : "";
        var apiVersion = obj["apiVersion"] is JsonValue a && a.GetValueKind() == JsonValueKind.String ? a.GetValue<string>() : "";
        if (kind != schema.Kind)
        {
            errors.Add(FieldError.Invalid("kind", kind, $"must be {schema.Kind}"));
        }

        var expected = $"{schema.Group}/{schema.Version}";
        if (apiVersion != expected)
        {
            errors.Add(FieldError.Invalid("apiVersion", apiVersion, $"must be {expected}"));
        }

        return errors;
    }

    /// <summary>strategy.go generateWarningsFromObj: finalizers added without a domain (IsQualifiedName's checks aside).</summary>
    private static List<string> FinalizerWarnings(JsonObject obj, JsonObject? old)
    {
        static IEnumerable<string> Finalizers(JsonObject? o) =>
            (o?["metadata"]?["finalizers"] as JsonArray ?? []).OfType<JsonValue>().Where(v => v.GetValueKind() == JsonValueKind.String).Select(v => v.GetValue<string>());

        var warnings = new List<string>();
        var added = Finalizers(obj).Except(Finalizers(old), StringComparer.Ordinal).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        foreach (var finalizer in added)
        {
            if (!finalizer.Contains('/', StringComparison.Ordinal) && !StandardFinalizers.Contains(finalizer))
            {
                var why = finalizer.Contains('.', StringComparison.Ordinal)
                    ? "prefer a domain-qualified finalizer name including a path (/) to avoid accidental conflicts with other finalizer writers"
                    : "prefer a domain-qualified finalizer name to avoid accidental conflicts with other finalizer writers";
                warnings.Add($"metadata.finalizers: {GoFormat.Quote(finalizer)}: {why}");
            }
        }

        return warnings;
    }

    /// <summary>The outcome of <see cref="Validate(JsonObject, string, JsonObject, JsonObject?, string?, CustomResourceValidationOptions?)"/>.</summary>
    public sealed class Result
    {
        internal Result(CrdVersionSchema schema, JsonObject obj, IReadOnlyList<FieldError> errors, IReadOnlyList<string> strictErrors, IReadOnlyList<string> warnings, IReadOnlyList<string> unknownFields, IReadOnlyList<string> duplicateFields)
        {
            Group = schema.Group;
            Kind = schema.Kind;
            Version = schema.Version;
            Object = obj;
            Errors = errors;
            StrictErrors = strictErrors;
            Warnings = warnings;
            UnknownFields = unknownFields;
            DuplicateFields = duplicateFields;
        }

        /// <summary>The CRD's group.</summary>
        public string Group { get; }

        /// <summary>The CRD's kind.</summary>
        public string Kind { get; }

        /// <summary>The version validated.</summary>
        public string Version { get; }

        /// <summary>The object pruned of unknown fields and defaulted: what kube would store.</summary>
        public JsonObject Object { get; }

        /// <summary>The validation errors (a 422 Invalid when any), in kube's order.</summary>
        public IReadOnlyList<FieldError> Errors { get; }

        /// <summary>
        /// Under fieldValidation=Strict, the duplicate and unknown fields (<c>duplicate field "spec.x"</c>,
        /// <c>unknown field "spec.foo"</c>): kube answers 400 BadRequest before validating, so
        /// <see cref="Errors"/> is then empty.
        /// </summary>
        public IReadOnlyList<string> StrictErrors { get; }

        /// <summary>The texts of the <c>Warning</c> headers (see <see cref="WarningHeader"/>): unknown and duplicate fields under Warn, ratcheted rule failures, finalizer names.</summary>
        public IReadOnlyList<string> Warnings { get; }

        /// <summary>Every field pruned, whatever fieldValidation says (<c>spec.foo</c>, <c>metadata.bar</c>).</summary>
        public IReadOnlyList<string> UnknownFields { get; }

        /// <summary>Every duplicate field of the body.</summary>
        public IReadOnlyList<string> DuplicateFields { get; }

        /// <summary>Whether kube would accept the object.</summary>
        public bool IsValid => Errors.Count == 0 && StrictErrors.Count == 0;

        /// <summary>The HTTP status kube would answer with: 400, 422, or 0 when the object is valid.</summary>
        public int StatusCode => StrictErrors.Count > 0 ? 400 : Errors.Count > 0 ? 422 : 0;

        /// <summary>The Status body kube would answer with, or null when the object is valid.</summary>
        /// <param name="name">The object's name (metadata.name, or empty when generated).</param>
        /// <returns>The 400 or 422 body.</returns>
        public JsonObject? ToStatus(string? name) =>
            StrictErrors.Count > 0 ? CustomResourceStatus.StrictDecodingFailure(Kind, Version, StrictErrors)
            : Errors.Count > 0 ? CustomResourceStatus.Invalid(Group, Kind, name, Errors)
            : null;

        /// <summary>The failure as the test server's exception (whose body carries the same message, reason and details), or null when valid.</summary>
        /// <param name="name">The object's name.</param>
        /// <returns>The exception to throw.</returns>
        public ApiStatusException? ToException(string? name) =>
            StrictErrors.Count > 0 ? new ApiStatusException(400, "BadRequest", CustomResourceStatus.StrictDecodingMessage(Kind, Version, StrictErrors))
            : Errors.Count > 0 ? new ApiStatusException(422, "Invalid", CustomResourceStatus.InvalidMessage(Group, Kind, name, Errors), CustomResourceStatus.InvalidDetails(Group, Kind, name, Errors))
            : null;
    }
}
