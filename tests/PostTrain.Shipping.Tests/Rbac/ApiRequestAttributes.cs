using PostTrain.Kube.Testing;

namespace PostTrain.Shipping.Tests.Rbac;

/// <summary>
/// What kube-apiserver's authorizer sees of a request: verb, API group, resource, subresource, namespace and name,
/// derived from the HTTP method and path the same way (GET on an object = get, on a collection = list, or watch
/// with <c>?watch=true</c>; POST = create; PUT = update; PATCH = patch; DELETE = delete or deletecollection).
/// </summary>
public sealed record ApiRequestAttributes(string Verb, string ApiGroup, string Resource, string? Subresource, string? Namespace, string? Name)
{
    /// <summary>"resource" or "resource/subresource", as RBAC rules name it.</summary>
    public string RbacResource => Subresource is null ? Resource : $"{Resource}/{Subresource}";

    /// <inheritdoc />
    public override string ToString() =>
        $"{Verb} {(ApiGroup.Length == 0 ? "core" : ApiGroup)}/{RbacResource}{(Namespace is null ? " (cluster-wide)" : $" in {Namespace}")}";

    /// <summary>Parses a recorded request; null for non-resource paths (/version, /healthz, ...).</summary>
    public static ApiRequestAttributes? From(RecordedRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var parts = request.Path.Trim('/').Split('/');
        int rest;
        string group;
        if (parts is ["api", "v1", ..])
        {
            group = "";
            rest = 2;
        }
        else if (parts.Length >= 3 && parts[0] == "apis")
        {
            group = parts[1];
            rest = 3;
        }
        else
        {
            return null;
        }

        string? ns = null;
        if (parts.Length > rest + 1 && parts[rest] == "namespaces" && parts.Length > rest + 2)
        {
            ns = parts[rest + 1];
            rest += 2;
        }

        if (parts.Length <= rest)
        {
            return null;
        }

        var resource = parts[rest];
        var name = parts.Length > rest + 1 ? parts[rest + 1] : null;
        var subresource = parts.Length > rest + 2 ? parts[rest + 2] : null;
        var watch = request.Query.Contains("watch=true", StringComparison.Ordinal) || request.Query.Contains("watch=1", StringComparison.Ordinal);
        var verb = request.Method.ToUpperInvariant() switch
        {
            "GET" or "HEAD" => name is null ? (watch ? "watch" : "list") : "get",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => name is null ? "deletecollection" : "delete",
            var m => throw new InvalidOperationException($"unexpected method {m} {request.Path}"),
        };
        return new ApiRequestAttributes(verb, group, resource, subresource, ns, name);
    }
}
