using System.Globalization;
using System.Text.Json.Nodes;

namespace PostTrain.Kube.Testing.OpenApi;

/// <summary>
/// The OpenAPI v3 path items of one resource, shaped as kube-apiserver publishes them: the collection, the named
/// object and its status, each operation tagged with <c>x-kubernetes-action</c> and the kind's
/// <c>x-kubernetes-group-version-kind</c>, and with the query parameters clients look for. kubectl decides
/// between server-side and client-side validation by finding <c>fieldValidation</c> among the PATCH operation's
/// parameters, and `kubectl explain` finds a resource's kind through these paths.
/// </summary>
internal static class ResourceOperations
{
    private const string Json = "application/json";

    /// <summary>Adds the paths of <paramref name="type"/>, whose kind and list schemas are the given definitions.</summary>
    public static void Add(JsonObject paths, ResourceType type, string kindDefinition, string listDefinition)
    {
        var prefix = type.Group.Length == 0 ? $"/api/{type.Version}" : $"/apis/{type.Group}/{type.Version}";
        var scope = type.Namespaced ? $"{prefix}/namespaces/{{namespace}}/{type.Plural}" : $"{prefix}/{type.Plural}";
        JsonObject[] ScopeParameters() => type.Namespaced ? [PathParameter("namespace", "The namespace of the objects.")] : [];
        var idSuffix = (type.Namespaced ? "Namespaced" : "") + type.Kind;
        var gvk = ModelSchemas.GroupVersionKind(type.Group, type.Version, type.Kind);
        var ids = IdPrefix(type);

        Operation Op(string action, string id, string description) => new(action, id + ids + idSuffix, description, gvk);

        paths[scope] = PathItem(
            [.. ScopeParameters(), Pretty()],
            ("get", Op("list", "list", $"list or watch objects of kind {type.Kind}").With(ListParameters()).Returns(listDefinition)),
            ("post", Op("post", "create", $"create a {type.Kind}").With(WriteParameters()).Body(kindDefinition).Returns(kindDefinition, created: true)),
            ("delete", Op("deletecollection", "deleteCollection", $"delete a collection of {type.Kind}")
                .With([.. ListParameters().Where(p => (string?)p["name"] is not ("watch" or "allowWatchBookmarks")), .. DeleteParameters()])
                .Body(DefinitionNames.DeleteOptions)
                .Returns(DefinitionNames.Status)));

        if (type.Namespaced)
        {
            paths[$"{prefix}/{type.Plural}"] = PathItem(
                [Pretty()],
                ("get", new Operation("list", "list" + ids + type.Kind + "ForAllNamespaces", $"list or watch objects of kind {type.Kind} in every namespace", gvk)
                    .With(ListParameters())
                    .Returns(listDefinition)));
        }

        JsonObject[] Named() => [PathParameter("name", $"The name of the {type.Kind}."), .. ScopeParameters(), Pretty()];
        paths[$"{scope}/{{name}}"] = PathItem(
            Named(),
            ("get", Op("get", "read", $"read the specified {type.Kind}").Returns(kindDefinition)),
            ("put", Op("put", "replace", $"replace the specified {type.Kind}").With(WriteParameters()).Body(kindDefinition).Returns(kindDefinition, created: true)),
            ("patch", Op("patch", "patch", $"partially update the specified {type.Kind}").With(PatchParameters()).PatchBody().Returns(kindDefinition, created: true)),
            ("delete", Op("delete", "delete", $"delete a {type.Kind}").With(DeleteParameters()).Body(DefinitionNames.DeleteOptions).Returns(DefinitionNames.Status, accepted: true)));

        if (type.HasStatus)
        {
            Operation StatusOp(string action, string id, string description) => new(action, id + ids + idSuffix + "Status", description, gvk);
            paths[$"{scope}/{{name}}/status"] = PathItem(
                Named(),
                ("get", StatusOp("get", "read", $"read status of the specified {type.Kind}").Returns(kindDefinition)),
                ("put", StatusOp("put", "replace", $"replace status of the specified {type.Kind}").With(WriteParameters()).Body(kindDefinition).Returns(kindDefinition, created: true)),
                ("patch", StatusOp("patch", "patch", $"partially update status of the specified {type.Kind}").With(PatchParameters()).PatchBody().Returns(kindDefinition, created: true)));
        }
    }

    /// <summary>"CoreV1", "AppsV1", "CoordinationV1", "PosttrainDevV1alpha1": the operation id infix of a group version.</summary>
    private static string IdPrefix(ResourceType type)
    {
        var group = type.Group.Length == 0 ? "core" : type.Group.EndsWith(".k8s.io", StringComparison.Ordinal) ? type.Group[..^".k8s.io".Length] : type.Group;
        var words = group.Split('.', '-').Append(type.Version).Where(w => w.Length > 0);
        return string.Concat(words.Select(w => char.ToUpper(w[0], CultureInfo.InvariantCulture) + w[1..]));
    }

    private static JsonObject PathItem(JsonObject[] parameters, params (string Method, Operation Operation)[] operations)
    {
        var item = new JsonObject();
        foreach (var (method, operation) in operations)
        {
            item[method] = operation.ToJson();
        }

        item["parameters"] = new JsonArray([.. parameters]);
        return item;
    }

    private static JsonObject[] ListParameters() =>
    [
        Query("allowWatchBookmarks", "Ask for BOOKMARK events on a watch.", "boolean"),
        Query("continue", "The continue token of the previous page of a paginated list."),
        Query("fieldSelector", "Restrict the objects returned by their fields."),
        Query("labelSelector", "Restrict the objects returned by their labels."),
        Query("limit", "The most objects to return in one page.", "integer"),
        Query("resourceVersion", "The resource version the list or watch starts from."),
        Query("resourceVersionMatch", "How resourceVersion applies to a list."),
        Query("sendInitialEvents", "With a watch, send the current objects as ADDED events first.", "boolean"),
        Query("timeoutSeconds", "How long the list or watch call may take.", "integer"),
        Query("watch", "Watch for changes to the objects instead of listing them.", "boolean"),
    ];

    private static JsonObject[] WriteParameters() => [DryRun(), FieldManager(), FieldValidation()];

    private static JsonObject[] PatchParameters() =>
        [DryRun(), FieldManager(), FieldValidation(), Query("force", "Re-acquire fields owned by other managers in an apply patch.", "boolean")];

    private static JsonObject[] DeleteParameters() =>
    [
        DryRun(),
        Query("gracePeriodSeconds", "Seconds before the object should be deleted.", "integer"),
        Query("ignoreStoreReadErrorWithClusterBreakingPotential", "Delete an object whose stored form cannot be read.", "boolean"),
        Query("orphanDependents", "Deprecated: use propagationPolicy.", "boolean"),
        Query("propagationPolicy", "Whether and how dependents are garbage collected: Orphan, Background or Foreground."),
    ];

    private static JsonObject DryRun() => Query("dryRun", "When All, the request is processed but nothing is persisted.");

    private static JsonObject FieldManager() => Query("fieldManager", "The name of the actor making the change, recorded in managedFields; required for apply patches.");

    private static JsonObject FieldValidation() =>
        Query("fieldValidation", "How the server treats unknown or duplicate fields in the object: Ignore (drop them), Warn (drop them with a warning) or Strict (reject the request).");

    private static JsonObject Pretty() => Query("pretty", "Pretty-print the output when 'true'.");

    private static JsonObject Query(string name, string description, string type = "string") => new()
    {
        ["description"] = description,
        ["in"] = "query",
        ["name"] = name,
        ["schema"] = new JsonObject { ["type"] = type, ["uniqueItems"] = true },
    };

    private static JsonObject PathParameter(string name, string description) => new()
    {
        ["description"] = description,
        ["in"] = "path",
        ["name"] = name,
        ["required"] = true,
        ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true },
    };

    /// <summary>One operation being assembled.</summary>
    private sealed class Operation(string action, string id, string description, JsonObject gvk)
    {
        private readonly List<JsonObject> _parameters = [];
        private JsonObject? _body;
        private JsonObject? _responses;

        public Operation With(IEnumerable<JsonObject> parameters)
        {
            _parameters.AddRange(parameters);
            return this;
        }

        public Operation Body(string definition)
        {
            _body = new JsonObject
            {
                ["content"] = new JsonObject { [Json] = new JsonObject { ["schema"] = ModelSchemas.Ref(definition) } },
                ["required"] = true,
            };
            return this;
        }

        /// <summary>
        /// The patch formats the server applies. Strategic merge patch is left out on purpose: these schemas carry no
        /// x-kubernetes-patch-merge-key, so kubectl would compute list-replacing patches from them; without it
        /// listed kubectl falls back to its compiled-in types, which carry the merge keys, as against a real server.
        /// </summary>
        public Operation PatchBody()
        {
            var content = new JsonObject();
            foreach (var media in new[] { "application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json" })
            {
                content[media] = new JsonObject { ["schema"] = ModelSchemas.Ref(DefinitionNames.Patch) };
            }

            _body = new JsonObject { ["content"] = content, ["required"] = true };
            return this;
        }

        public Operation Returns(string definition, bool created = false, bool accepted = false)
        {
            static JsonObject Response(string description, string definition) => new()
            {
                ["content"] = new JsonObject { [Json] = new JsonObject { ["schema"] = ModelSchemas.Ref(definition) } },
                ["description"] = description,
            };

            _responses = new JsonObject { ["200"] = Response("OK", definition) };
            if (created)
            {
                _responses["201"] = Response("Created", definition);
            }

            if (accepted)
            {
                _responses["202"] = Response("Accepted", definition);
            }

            _responses["401"] = new JsonObject { ["description"] = "Unauthorized" };
            return this;
        }

        public JsonObject ToJson()
        {
            var operation = new JsonObject
            {
                ["description"] = description,
                ["operationId"] = id,
            };
            if (_parameters.Count > 0)
            {
                operation["parameters"] = new JsonArray([.. _parameters]);
            }

            if (_body is not null)
            {
                operation["requestBody"] = _body;
            }

            operation["responses"] = _responses ?? new JsonObject { ["401"] = new JsonObject { ["description"] = "Unauthorized" } };
            operation["x-kubernetes-action"] = action;
            operation["x-kubernetes-group-version-kind"] = gvk.DeepClone();
            return operation;
        }
    }
}
