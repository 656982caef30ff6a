using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace PostTrain.Kube.Testing.Validation;

/// <summary>
/// The TypeMeta and ObjectMeta handling of a custom resource (apiextensions-apiserver pkg/apiserver/schema/objectmeta):
/// kube decodes <c>metadata</c> of the root and of every <c>x-kubernetes-embedded-resource</c> into a metav1.ObjectMeta,
/// so fields ObjectMeta does not have are dropped (and reported as unknown under fieldValidation); embedded resources
/// must carry a string apiVersion and a kind that is a DNS-1035 label in any case.
/// </summary>
internal static partial class ObjectMetaFields
{
    private static readonly HashSet<string> ObjectMetaKeys = new(StringComparer.Ordinal)
    {
        "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
        "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers",
        "managedFields",
    };

    private static readonly HashSet<string> OwnerReferenceKeys = new(StringComparer.Ordinal)
    {
        "apiVersion", "kind", "name", "uid", "controller", "blockOwnerDeletion",
    };

    private static readonly HashSet<string> ManagedFieldsEntryKeys = new(StringComparer.Ordinal)
    {
        "manager", "operation", "apiVersion", "time", "fieldsType", "fieldsV1", "subresource",
    };

    private const string Dns1035Message =
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

    /// <summary>
    /// Drops the fields of <c>owner.metadata</c> that ObjectMeta lacks (coerce.go GetObjectMetaWithOptions, which
    /// decodes strictly and reports <c>PREFIX.metadata.FIELD</c>); returns the paths in the order kube reports them.
    /// </summary>
    public static List<string> PruneUnknown(JsonObject owner, string? prefix)
    {
        var unknown = new List<string>();
        if (owner["metadata"] is not JsonObject metadata)
        {
            return unknown;
        }

        var metadataPath = FieldPath.Child(prefix, "metadata");
        // kube marshals the metadata map (sorted keys) and decodes it strictly, so errors come in key order.
        foreach (var (key, value) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal).ToList())
        {
            if (!ObjectMetaKeys.Contains(key))
            {
                unknown.Add($"{metadataPath}.{key}");
                metadata.Remove(key);
                continue;
            }

            var itemKeys = key switch
            {
                "ownerReferences" => OwnerReferenceKeys,
                "managedFields" => ManagedFieldsEntryKeys,
                _ => null,
            };
            if (itemKeys is not null && value is JsonArray items)
            {
                for (var i = 0; i < items.Count; i++)
                {
                    if (items[i] is not JsonObject item)
                    {
                        continue;
                    }

                    foreach (var itemKey in item.Select(p => p.Key).Order(StringComparer.Ordinal).ToList())
                    {
                        if (!itemKeys.Contains(itemKey))
                        {
                            unknown.Add($"{metadataPath}.{key}[{i}].{itemKey}");
                            item.Remove(itemKey);
                        }
                    }
                }
            }
        }

        return unknown;
    }

    /// <summary>
    /// Prunes the metadata of embedded resources below the root (coerce.go CoerceWithOptions, not at the resource
    /// root); returns the unknown paths sorted.
    /// </summary>
    public static List<string> CoerceEmbedded(JsonNode? obj, SchemaNode? schema)
    {
        var unknown = new List<string>();
        Coerce(null, obj, schema, unknown);
        unknown.Sort(StringComparer.Ordinal);
        return unknown;
    }

    /// <summary>The errors of embedded resources below the root (objectmeta/validation.go Validate with isResourceRoot false).</summary>
    public static List<FieldError> ValidateEmbedded(JsonNode? obj, SchemaNode? schema)
    {
        var errors = new List<FieldError>();
        Validate(null, obj, schema, errors);
        return errors;
    }

    private static void Coerce(string? path, JsonNode? x, SchemaNode? schema, List<string> unknown)
    {
        if (schema is null)
        {
            return;
        }

        switch (x)
        {
            case JsonObject obj:
                if (schema.EmbeddedResource)
                {
                    unknown.AddRange(PruneUnknown(obj, path));
                }

                foreach (var (key, value) in obj.ToList())
                {
                    if (schema.Properties is not null && schema.Properties.TryGetValue(key, out var property))
                    {
                        Coerce(FieldPath.Child(path, key), value, property, unknown);
                    }
                    else if (schema.AdditionalPropertiesAllows is not null)
                    {
                        Coerce(FieldPath.Key(path, key), value, schema.AdditionalPropertiesSchema, unknown);
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    Coerce(FieldPath.Index(path, i), array[i], schema.Items, unknown);
                }

                break;
        }
    }

    private static void Validate(string? path, JsonNode? x, SchemaNode? schema, List<FieldError> errors)
    {
        if (schema is null)
        {
            return;
        }

        switch (x)
        {
            case JsonObject obj:
                if (schema.EmbeddedResource)
                {
                    ValidateEmbeddedResource(path, obj, errors);
                }

                foreach (var (key, value) in obj)
                {
                    if (schema.Properties is not null && schema.Properties.TryGetValue(key, out var property))
                    {
                        Validate(FieldPath.Child(path, key), value, property, errors);
                    }
                    else if (schema.AdditionalPropertiesAllows is not null)
                    {
                        Validate(FieldPath.Key(path, key), value, schema.AdditionalPropertiesSchema, errors);
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    Validate(FieldPath.Index(path, i), array[i], schema.Items, errors);
                }

                break;
        }
    }

    private static void ValidateEmbeddedResource(string? path, JsonObject obj, List<FieldError> errors)
    {
        var apiVersionPath = FieldPath.Print(FieldPath.Child(path, "apiVersion"));
        var kindPath = FieldPath.Print(FieldPath.Child(path, "kind"));
        if (!obj.ContainsKey("apiVersion"))
        {
            errors.Add(FieldError.Required(apiVersionPath, ""));
        }

        if (!obj.ContainsKey("kind"))
        {
            errors.Add(FieldError.Required(kindPath, ""));
        }

        foreach (var (key, value) in obj)
        {
            switch (key)
            {
                case "apiVersion":
                    if (JsonData.Kind(value) != GoKind.String)
                    {
                        errors.Add(FieldError.Invalid(apiVersionPath, value, "must be a string"));
                    }
                    else if (JsonData.String(value) is var apiVersion && apiVersion.Length == 0)
                    {
                        errors.Add(FieldError.Invalid(apiVersionPath, apiVersion, "must not be empty"));
                    }
                    else if (apiVersion != "/" && apiVersion.Count(c => c == '/') > 1)
                    {
                        errors.Add(FieldError.Invalid(apiVersionPath, apiVersion, $"unexpected GroupVersion string: {apiVersion}"));
                    }

                    break;
                case "kind":
                    if (JsonData.Kind(value) != GoKind.String)
                    {
                        errors.Add(FieldError.Invalid(kindPath, value, "must be a string"));
                    }
                    else if (JsonData.String(value) is var kind && kind.Length == 0)
                    {
                        errors.Add(FieldError.Invalid(kindPath, kind, "must not be empty"));
                    }
                    else
                    {
                        var lower = kind.ToLowerInvariant();
                        var problems = new List<string>();
                        if (lower.Length > 63)
                        {
                            problems.Add("must be no more than 63 characters");
                        }

                        if (!Dns1035Label().IsMatch(lower))
                        {
                            problems.Add(Dns1035Message);
                        }

                        if (problems.Count > 0)
                        {
                            errors.Add(FieldError.Invalid(kindPath, kind, "may have mixed case, but should otherwise match: " + string.Join(",", problems)));
                        }
                    }

                    break;
            }
        }
    }

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1035Label();
}
