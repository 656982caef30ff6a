namespace PostTrain.Kube.Testing;

/// <summary>A request the server received, for tests that assert on what a client sent.</summary>
/// <param name="Method">HTTP method.</param>
/// <param name="Path">Path without the query.</param>
/// <param name="Query">The query string, including the leading '?', or "".</param>
/// <param name="ContentType">The Content-Type header, if any.</param>
/// <param name="UserAgent">The User-Agent header, if any.</param>
public sealed record RecordedRequest(string Method, string Path, string Query, string? ContentType, string? UserAgent)
{
    /// <summary>
    /// The Kubernetes verb, as RBAC and the API server's audit log name it: get, list, watch, create, update, patch,
    /// delete, deletecollection; for paths that name no resource (discovery, /version, /healthz) the lower-case method.
    /// </summary>
    public string Verb
    {
        get
        {
            var (resource, named) = Parse();
            return (Method, resource, named) switch
            {
                (_, null, _) => Method.ToLowerInvariant(),
                ("GET", _, false) when IsWatch() => "watch",
                ("GET", _, false) => "list",
                ("GET", _, true) => "get",
                ("POST", _, _) => "create",
                ("PUT", _, _) => "update",
                ("PATCH", _, _) => "patch",
                ("DELETE", _, false) => "deletecollection",
                ("DELETE", _, true) => "delete",
                _ => Method.ToLowerInvariant(),
            };
        }
    }

    /// <summary>
    /// The resource as RBAC names it, with its group and subresource: <c>jobs.batch</c>, <c>configmaps</c>,
    /// <c>sftjobs.posttrain.dev/status</c>; null for paths that name no resource.
    /// </summary>
    public string? Resource => Parse().Resource;

    private bool IsWatch() =>
        Query.TrimStart('?').Split('&').Any(p => p is "watch=1" or "watch=true");

    private (string? Resource, bool Named) Parse()
    {
        var segments = Path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        string group;
        string[] rest;
        if (segments.Length >= 3 && segments[0] == "api")
        {
            (group, rest) = ("", segments[2..]);
        }
        else if (segments.Length >= 4 && segments[0] == "apis")
        {
            (group, rest) = (segments[1], segments[3..]);
        }
        else
        {
            return (null, false);
        }

        if (rest.Length >= 3 && rest[0] == "namespaces")
        {
            rest = rest[2..];
        }

        var resource = group.Length == 0 ? rest[0] : $"{rest[0]}.{group}";
        return (rest.Length > 2 ? $"{resource}/{rest[2]}" : resource, rest.Length > 1);
    }
}
