using System.Text.Json.Nodes;

namespace PostTrain.Kube.Testing;

/// <summary>A failure the server answers with a metav1.Status body, as kube-apiserver does.</summary>
public sealed class ApiStatusException : Exception
{
    /// <summary>Creates the failure.</summary>
    public ApiStatusException(int code, string reason, string message, JsonObject? details = null)
        : base(message)
    {
        Code = code;
        Reason = reason;
        Details = details;
    }

    /// <summary>The HTTP status code.</summary>
    public int Code { get; }

    /// <summary>The machine-readable reason (NotFound, AlreadyExists, Conflict, Invalid, Expired, ...).</summary>
    public string Reason { get; }

    /// <summary>The details object (name, group, kind, causes).</summary>
    public JsonObject? Details { get; }

    /// <summary>The Status body.</summary>
    public JsonObject ToStatus() => Status(Code, Reason, Message, Details);

    /// <summary>Builds a Status body.</summary>
    public static JsonObject Status(int code, string reason, string message, JsonObject? details = null)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
            ["code"] = code,
        };
        if (details is not null)
        {
            status["details"] = details;
        }

        return status;
    }

    /// <summary>The details object for one named object of a resource.</summary>
    public static JsonObject DetailsFor(ResourceType type, string? name) => new()
    {
        ["name"] = name,
        ["group"] = type.Group,
        ["kind"] = type.Plural,
    };

    /// <summary>404 NotFound.</summary>
    public static ApiStatusException NotFound(ResourceType type, string name) =>
        new(404, "NotFound", $"{type.QualifiedName} \"{name}\" not found", DetailsFor(type, name));

    /// <summary>409 AlreadyExists.</summary>
    public static ApiStatusException AlreadyExists(ResourceType type, string name) =>
        new(409, "AlreadyExists", $"{type.QualifiedName} \"{name}\" already exists", DetailsFor(type, name));

    /// <summary>409 Conflict on a stale resourceVersion or failed precondition.</summary>
    public static ApiStatusException Conflict(ResourceType type, string name, string why = "the object has been modified; please apply your changes to the latest version and try again") =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {type.QualifiedName} \"{name}\": {why}", DetailsFor(type, name));

    /// <summary>422 Invalid with one cause per field.</summary>
    public static ApiStatusException Invalid(ResourceType type, string? name, params (string Field, string Message)[] causes)
    {
        var details = DetailsFor(type, name);
        details["kind"] = type.Kind;
        var array = new JsonArray();
        foreach (var (field, message) in causes)
        {
            array.Add(new JsonObject { ["reason"] = "FieldValueInvalid", ["message"] = message, ["field"] = field });
        }

        details["causes"] = array;
        var text = string.Join(", ", causes.Select(c => $"{c.Field}: {c.Message}"));
        return new(422, "Invalid", $"{type.Kind} \"{name}\" is invalid: {text}", details);
    }

    /// <summary>400 BadRequest.</summary>
    public static ApiStatusException BadRequest(string message) => new(400, "BadRequest", message);

    /// <summary>410 Expired for a resourceVersion older than the watch history window.</summary>
    public static ApiStatusException Expired(string message) => new(410, "Expired", message);
}
