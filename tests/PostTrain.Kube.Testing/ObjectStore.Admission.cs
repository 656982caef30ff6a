using System.Text.Json.Nodes;

namespace PostTrain.Kube.Testing;

/// <summary>
/// What kube-apiserver's registry strategies and built-in admission do to a new object before it is stored:
/// the NamespaceLifecycle check (no creating in a namespace that does not exist or is terminating; the initial
/// namespaces may not be deleted), Namespace defaults, and batch Job defaults and selector generation.
/// </summary>
public sealed partial class ObjectStore
{
    /// <summary>The namespaces every cluster starts with; they may not be deleted.</summary>
    public static readonly IReadOnlyList<string> InitialNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];

    /// <summary>Creates the initial namespaces (the server does it at start).</summary>
    public void CreateInitialNamespaces()
    {
        if (!Registry.TryGet("", "v1", "namespaces", out var namespaces))
        {
            return;
        }

        lock (_gate)
        {
            foreach (var name in InitialNamespaces.Where(n => Find(namespaces, null, n) is null))
            {
                CreateLocked(namespaces, null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = name } }, fieldManager: null, applied: false);
            }
        }
    }

    /// <summary>NamespaceLifecycle for a create of <paramref name="type"/> in <paramref name="ns"/>.</summary>
    private void AdmitNamespace(ResourceType type, string ns, string name)
    {
        if (!type.Namespaced || !Registry.TryGet("", "v1", "namespaces", out var namespaces))
        {
            return;
        }

        var holder = Find(namespaces, null, ns) ?? throw ApiStatusException.NotFound(namespaces, ns);
        if (holder["metadata"]?["deletionTimestamp"] is not null)
        {
            var details = ApiStatusException.DetailsFor(type, name);
            details["causes"] = new JsonArray(new JsonObject
            {
                ["reason"] = "NamespaceTerminating",
                ["message"] = $"namespace {ns} is being terminated",
                ["field"] = "metadata.namespace",
            });
            throw new ApiStatusException(403, "Forbidden", $"{type.QualifiedName} \"{name}\" is forbidden: unable to create new content in namespace {ns} because it is being terminated", details);
        }
    }

    /// <summary>The initial namespaces refuse deletion, as NamespaceLifecycle makes them.</summary>
    private static void AdmitDelete(ResourceType type, string name)
    {
        if (type is { Group: "", Plural: "namespaces" } && InitialNamespaces.Contains(name))
        {
            throw new ApiStatusException(403, "Forbidden", $"namespaces \"{name}\" is forbidden: this namespace may not be deleted", ApiStatusException.DetailsFor(type, name));
        }
    }

    /// <summary>Defaults a new object the way the registry strategy of its kind does (after uid assignment).</summary>
    private static void DefaultOnCreate(ResourceType type, JsonObject obj)
    {
        switch (type)
        {
            case { Group: "", Plural: "namespaces" }:
                DefaultNamespace(obj);
                break;
            case { Group: "batch", Plural: "jobs" }:
                DefaultJob(type, obj);
                break;
            case { Group: "apps", Plural: "deployments" }:
                DefaultDeployment(type, obj);
                break;
            case { Group: "", Plural: "services" }:
                DefaultService(obj);
                break;
            case { Group: "", Plural: "pods" }:
                DefaultPod(obj);
                break;
        }
    }

    private static int _nextClusterIp;

    /// <summary>core/v1 Service: type ClusterIP, a cluster IP from 10.96.0.0/12 unless headless, TCP and targetPort = port.</summary>
    private static void DefaultService(JsonObject service)
    {
        var spec = service["spec"] as JsonObject ?? new JsonObject();
        service["spec"] = spec;
        spec["type"] ??= "ClusterIP";
        spec["sessionAffinity"] ??= "None";
        if (spec["clusterIP"] is null && (string?)spec["type"] != "ExternalName")
        {
            var n = Interlocked.Increment(ref _nextClusterIp);
            spec["clusterIP"] = $"10.96.{(n / 254) % 256}.{(n % 254) + 1}";
        }

        if (spec["clusterIP"] is not null)
        {
            spec["clusterIPs"] ??= new JsonArray(spec["clusterIP"]!.DeepClone());
        }

        foreach (var port in (spec["ports"] as JsonArray ?? []).OfType<JsonObject>())
        {
            port["protocol"] ??= "TCP";
            port["targetPort"] ??= port["port"]?.DeepClone();
        }
    }

    /// <summary>apps/v1 Deployment: a selector is required and must match the template's labels; replicas, strategy, history and deadline defaults.</summary>
    private static void DefaultDeployment(ResourceType type, JsonObject deployment)
    {
        var name = (string)deployment["metadata"]!["name"]!;
        var spec = deployment["spec"] as JsonObject ?? throw ApiStatusException.Invalid(type, name, ("spec.selector", "Required value"));
        if (spec["selector"]?["matchLabels"] is not JsonObject { Count: > 0 } matchLabels)
        {
            throw ApiStatusException.Invalid(type, name, ("spec.selector", "Required value"));
        }

        var labels = spec["template"]?["metadata"]?["labels"] as JsonObject ?? [];
        if (matchLabels.Any(kv => (string?)labels[kv.Key] != (string?)kv.Value))
        {
            throw ApiStatusException.Invalid(type, name, ("spec.template.metadata.labels", $"Invalid value: {labels.ToJsonString()}: `selector` does not match template `labels`"));
        }

        spec["replicas"] ??= 1;
        spec["revisionHistoryLimit"] ??= 10;
        spec["progressDeadlineSeconds"] ??= 600;
        spec["strategy"] ??= new JsonObject
        {
            ["type"] = "RollingUpdate",
            ["rollingUpdate"] = new JsonObject { ["maxSurge"] = "25%", ["maxUnavailable"] = "25%" },
        };
    }

    private static void DefaultNamespace(JsonObject ns)
    {
        var meta = (JsonObject)ns["metadata"]!;
        var labels = meta["labels"] as JsonObject ?? new JsonObject();
        labels["kubernetes.io/metadata.name"] = (string?)meta["name"];
        meta["labels"] = labels;
        var spec = ns["spec"] as JsonObject ?? new JsonObject();
        if (spec["finalizers"] is not JsonArray { Count: > 0 })
        {
            spec["finalizers"] = new JsonArray("kubernetes");
        }

        ns["spec"] = spec;
        ns["status"] = new JsonObject { ["phase"] = "Active" };
    }

    /// <summary>
    /// batch/v1 Job defaults (parallelism, completions, backoffLimit, completionMode, suspend, podReplacementPolicy,
    /// labels from the template) and, unless <c>spec.manualSelector</c>, the generated selector with the
    /// controller-uid and job-name labels on the pod template.
    /// </summary>
    private static void DefaultJob(ResourceType type, JsonObject job)
    {
        var meta = (JsonObject)job["metadata"]!;
        var name = (string)meta["name"]!;
        var uid = (string)meta["uid"]!;
        var spec = job["spec"] as JsonObject ?? throw ApiStatusException.Invalid(type, name, ("spec.template", "Required value"));
        var template = spec["template"] as JsonObject ?? throw ApiStatusException.Invalid(type, name, ("spec.template", "Required value"));
        var restart = (string?)template["spec"]?["restartPolicy"];
        if (restart is not ("Never" or "OnFailure"))
        {
            throw ApiStatusException.Invalid(type, name, restart is null
                ? ("spec.template.spec.restartPolicy", "Required value: valid values: \"OnFailure\", \"Never\"")
                : ("spec.template.spec.restartPolicy", $"Unsupported value: \"{restart}\": supported values: \"OnFailure\", \"Never\""));
        }

        if (spec["completions"] is null && spec["parallelism"] is null)
        {
            spec["completions"] = 1;
        }

        spec["parallelism"] ??= 1;
        spec["backoffLimit"] ??= spec["backoffLimitPerIndex"] is null ? 6 : int.MaxValue;
        spec["completionMode"] ??= "NonIndexed";
        spec["suspend"] ??= false;
        spec["podReplacementPolicy"] ??= spec["podFailurePolicy"] is null ? "TerminatingOrFailed" : "Failed";
        var templateMeta = template["metadata"] as JsonObject ?? new JsonObject();
        template["metadata"] = templateMeta;
        var manual = spec["manualSelector"] is JsonValue m && m.TryGetValue<bool>(out var manualValue) && manualValue;
        if (!manual)
        {
            if (spec["selector"] is not null)
            {
                throw ApiStatusException.Invalid(type, name, ("spec.selector", $"Invalid value: {spec["selector"]!.ToJsonString()}: `selector` not auto-generated"));
            }

            var templateLabels = templateMeta["labels"] as JsonObject ?? new JsonObject();
            templateLabels["batch.kubernetes.io/controller-uid"] = uid;
            templateLabels["batch.kubernetes.io/job-name"] = name;
            templateLabels["controller-uid"] = uid;
            templateLabels["job-name"] = name;
            templateMeta["labels"] = templateLabels;
            spec["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["batch.kubernetes.io/controller-uid"] = uid } };
        }
        else if (spec["selector"] is null)
        {
            throw ApiStatusException.Invalid(type, name, ("spec.selector", "Required value"));
        }

        if (meta["labels"] is not JsonObject { Count: > 0 } && templateMeta["labels"] is JsonObject fromTemplate)
        {
            meta["labels"] = fromTemplate.DeepClone();
        }
    }
}
