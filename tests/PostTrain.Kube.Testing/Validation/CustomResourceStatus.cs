using System.Text.Json.Nodes;

namespace PostTrain.Kube.Testing.Validation;

/// <summary>
/// The metav1.Status bodies kube-apiserver answers a custom resource's validation failures with: 422 Invalid with one
/// cause per field error (k8s.io/apimachinery pkg/api/errors NewInvalid), and 400 BadRequest for unknown or duplicate
/// fields under fieldValidation=Strict (k8s.io/apiserver pkg/endpoints/handlers transformDecodeError).
/// </summary>
public static class CustomResourceStatus
{
    /// <summary>
    /// NewInvalid's message: <c>KIND.GROUP "NAME" is invalid: ERROR</c> for one error and
    /// <c>... is invalid: [ERROR, ERROR]</c> for several (errors repeated word for word count once:
    /// ErrorList.ToAggregate and aggregate.Error); <c>... is invalid</c> for none.
    /// </summary>
    /// <param name="group">The API group (empty for the core group).</param>
    /// <param name="kind">The kind.</param>
    /// <param name="name">The object's name.</param>
    /// <param name="errors">The field errors.</param>
    /// <returns>The message.</returns>
    public static string InvalidMessage(string group, string kind, string? name, IReadOnlyList<FieldError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var qualified = group.Length == 0 ? kind : $"{kind}.{group}";
        var head = $"{qualified} {GoFormat.Quote(name ?? "")} is invalid";
        var messages = errors.Select(e => e.ToString()).Distinct(StringComparer.Ordinal).ToList();
        return messages.Count switch
        {
            0 => head,
            1 => $"{head}: {messages[0]}",
            _ => $"{head}: [{string.Join(", ", messages)}]",
        };
    }

    /// <summary>The 422 Invalid Status body.</summary>
    /// <param name="group">The API group.</param>
    /// <param name="kind">The kind.</param>
    /// <param name="name">The object's name.</param>
    /// <param name="errors">The field errors, one cause each.</param>
    /// <returns>The body, fields in kube's order.</returns>
    public static JsonObject Invalid(string group, string kind, string? name, IReadOnlyList<FieldError> errors) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = InvalidMessage(group, kind, name, errors),
        ["reason"] = "Invalid",
        ["details"] = InvalidDetails(group, kind, name, errors),
        ["code"] = 422,
    };

    /// <summary>The <c>details</c> of a 422 Invalid Status: name and group (when not empty), kind, and the causes.</summary>
    /// <param name="group">The API group.</param>
    /// <param name="kind">The kind.</param>
    /// <param name="name">The object's name.</param>
    /// <param name="errors">The field errors.</param>
    /// <returns>The details object.</returns>
    public static JsonObject InvalidDetails(string group, string kind, string? name, IReadOnlyList<FieldError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var details = new JsonObject();
        if (!string.IsNullOrEmpty(name))
        {
            details["name"] = name;
        }

        if (group.Length > 0)
        {
            details["group"] = group;
        }

        details["kind"] = kind;
        var causes = new JsonArray();
        foreach (var error in errors)
        {
            var cause = new JsonObject { ["reason"] = error.Reason };
            if (error.Body.Length > 0)
            {
                cause["message"] = error.Body;
            }

            if (error.Field.Length > 0)
            {
                cause["field"] = error.Field;
            }

            causes.Add(cause);
        }

        details["causes"] = causes;
        return details;
    }

    /// <summary>
    /// The message of the 400 answer to strict decoding errors:
    /// <c>KIND in version "VERSION" cannot be handled as a KIND: strict decoding error: unknown field "spec.foo", ...</c>.
    /// </summary>
    /// <param name="kind">The kind.</param>
    /// <param name="version">The version of the request.</param>
    /// <param name="strictErrors">The errors, e.g. <c>unknown field "spec.foo"</c>.</param>
    /// <returns>The message.</returns>
    public static string StrictDecodingMessage(string kind, string version, IReadOnlyList<string> strictErrors) =>
        $"{kind} in version {GoFormat.Quote(version)} cannot be handled as a {kind}: strict decoding error: {string.Join(", ", strictErrors)}";

    /// <summary>The 400 BadRequest Status body for strict decoding errors.</summary>
    /// <param name="kind">The kind.</param>
    /// <param name="version">The version of the request.</param>
    /// <param name="strictErrors">The errors.</param>
    /// <returns>The body.</returns>
    public static JsonObject StrictDecodingFailure(string kind, string version, IReadOnlyList<string> strictErrors) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = StrictDecodingMessage(kind, version, strictErrors),
        ["reason"] = "BadRequest",
        ["code"] = 400,
    };
}
