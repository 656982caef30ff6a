using System.Text.Json.Nodes;
using PostTrain.Kube.Testing.Validation;

namespace PostTrain.Kube.Testing;

/// <summary>
/// Custom resources are decoded and validated against their CustomResourceDefinition before they are stored, as
/// apiextensions-apiserver does (<see cref="CustomResourceValidation"/>): unknown fields pruned (or refused under
/// <c>fieldValidation=Strict</c>), defaults filled in, the schema and its CEL rules enforced, on create, update,
/// patch and apply, on the main resource and on <c>/status</c>.
/// </summary>
public sealed partial class ObjectStore
{
    private WriteOptions? _request;

    private T WithRequest<T>(WriteOptions? options, Func<T> operation)
    {
        _request = options;
        try
        {
            return options?.DryRun == true ? DryRunLocked(operation) : operation();
        }
        finally
        {
            _request = null;
        }
    }

    /// <summary>The object to store for <paramref name="obj"/> (pruned and defaulted), or an ApiStatusException (400 or 422).</summary>
    private JsonObject ValidateCustom(ResourceType type, JsonObject obj, JsonObject? old, bool status)
    {
        if (!type.IsCustom || type.Crd is null)
        {
            return obj;
        }

        var options = new CustomResourceValidationOptions
        {
            Subresource = status ? "status" : null,
            DuplicateFields = _request?.DuplicateFields ?? [],
        };
        CustomResourceValidation.Result result;
        try
        {
            result = CustomResourceValidation.Validate(type.Crd, type.Version, obj, old, _request?.FieldValidation, options);
        }
        catch (ArgumentException e)
        {
            throw new ApiStatusException(422, "Invalid", e.Message);
        }

        if (result.ToException((string?)obj["metadata"]?["name"]) is { } invalid)
        {
            throw invalid;
        }

        _request?.Warnings.AddRange(result.Warnings);
        return result.Object;
    }
}
