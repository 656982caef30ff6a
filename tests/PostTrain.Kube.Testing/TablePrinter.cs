using System.Globalization;
using System.Text.Json.Nodes;

namespace PostTrain.Kube.Testing;

/// <summary>
/// Server-side printing (meta.k8s.io/v1 Table), which kubectl asks for on every <c>get</c>: a custom resource's columns
/// come from its CRD's <c>additionalPrinterColumns</c> (JSONPath, date columns as ages), the built-in kinds get the
/// columns kube-apiserver's printers give them (pods' Ready and Status, jobs' Completions, ...), anything else Name and
/// Age.
/// </summary>
internal static class TablePrinter
{
    /// <summary>Whether an Accept header asks for a Table (<c>application/json;as=Table;v=v1;g=meta.k8s.io</c>); the version asked for.</summary>
    public static string? RequestedVersion(string? accept)
    {
        if (string.IsNullOrEmpty(accept))
        {
            return null;
        }

        foreach (var option in accept.Split(','))
        {
            var parts = option.Split(';').Select(p => p.Trim()).ToList();
            if (parts.Contains("as=Table") && parts.Contains("g=meta.k8s.io") && parts.FirstOrDefault(p => p.StartsWith("v=", StringComparison.Ordinal)) is { } v)
            {
                return v[2..] is "v1" or "v1beta1" ? v[2..] : null;
            }
        }

        return null;
    }

    /// <summary>
    /// A Table of <paramref name="objects"/>. <paramref name="includeObject"/> (None, Metadata, Object; kube's default is
    /// Metadata) says what each row carries besides its cells.
    /// </summary>
    public static JsonObject Table(ResourceType type, IReadOnlyList<JsonObject> objects, string version, string? includeObject, string resourceVersion, string? continueToken, DateTimeOffset now)
    {
        var columns = Columns(type);
        var rows = new JsonArray();
        foreach (var o in objects)
        {
            var cells = new JsonArray([.. columns.Select(c => c.Cell(o, now))]);
            var row = new JsonObject { ["cells"] = cells };
            switch (includeObject ?? "Metadata")
            {
                case "Object":
                    row["object"] = o.DeepClone();
                    break;
                case "Metadata":
                    row["object"] = new JsonObject { ["kind"] = "PartialObjectMetadata", ["apiVersion"] = "meta.k8s.io/v1", ["metadata"] = o["metadata"]?.DeepClone() };
                    break;
            }

            rows.Add(row);
        }

        var metadata = new JsonObject { ["resourceVersion"] = resourceVersion };
        if (!string.IsNullOrEmpty(continueToken))
        {
            metadata["continue"] = continueToken;
        }

        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/" + version,
            ["metadata"] = metadata,
            ["columnDefinitions"] = new JsonArray([.. columns.Select(c => (JsonNode?)c.Definition())]),
            ["rows"] = rows,
        };
    }

    private static List<Column> Columns(ResourceType type)
    {
        var name = new Column("Name", "string", "name", "Name must be unique within a namespace. It is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically.", 0, o => (string?)o["metadata"]?["name"]);
        var age = new Column("Age", "string", "", "CreationTimestamp is a timestamp representing the server time when this object was created.", 0, null) { AgeOf = ".metadata.creationTimestamp" };
        if (type.CrdVersion?["additionalPrinterColumns"] is JsonArray printerColumns)
        {
            var custom = new List<Column> { name };
            foreach (var c in printerColumns.OfType<JsonObject>())
            {
                var path = (string?)c["jsonPath"] ?? "";
                var columnType = (string?)c["type"] ?? "string";
                custom.Add(new Column((string?)c["name"] ?? path, columnType, (string?)c["format"] ?? "", (string?)c["description"] ?? "", (int?)JsonNumbers.Long(c["priority"]) ?? 0, o => JoinAt(o, path))
                {
                    AgeOf = columnType == "date" ? path : null,
                    Typed = columnType is "integer" or "number" or "boolean",
                });
            }

            return custom;
        }

        if (type.IsCustom)
        {
            return [name, age];
        }

        return type.StorageKey switch
        {
            "pods" =>
            [
                name,
                new("Ready", "string", "", "The aggregate readiness state of this pod for accepting traffic.", 0, o => $"{Count(o, ".status.containerStatuses[?(@.ready==true)]")}/{Count(o, ".spec.containers[*]")}"),
                new("Status", "string", "", "The aggregate status of the containers in this pod.", 0, PodStatus),
                new("Restarts", "string", "", "The number of times the containers in this pod have been restarted.", 0, o => JsonPathColumn.Select(o, ".status.containerStatuses[*].restartCount").Sum(n => JsonNumbers.Long(n) ?? 0).ToString(CultureInfo.InvariantCulture)),
                age,
            ],
            "jobs.batch" =>
            [
                name,
                new("Status", "string", "", "Status of the job.", 0, JobStatus),
                new("Completions", "string", "", "The desired number of successfully finished pods the job should be run with.", 0, o => $"{JsonNumbers.Long(o["status"]?["succeeded"]) ?? 0}/{JsonNumbers.Long(o["spec"]?["completions"]) ?? 1}"),
                new("Duration", "string", "", "Time required to complete the job.", 0, JobDuration),
                age,
            ],
            "deployments.apps" =>
            [
                name,
                new("Ready", "string", "", "Number of the pod with ready state", 0, o => $"{JsonNumbers.Long(o["status"]?["readyReplicas"]) ?? 0}/{JsonNumbers.Long(o["spec"]?["replicas"]) ?? 1}"),
                new("Up-to-date", "integer", "", "Total number of non-terminated pods targeted by this deployment that have the desired template spec.", 0, o => JsonNumbers.Long(o["status"]?["updatedReplicas"]) ?? 0) { Typed = true },
                new("Available", "integer", "", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.", 0, o => JsonNumbers.Long(o["status"]?["availableReplicas"]) ?? 0) { Typed = true },
                age,
            ],
            "services" =>
            [
                name,
                new("Type", "string", "", "The type of service.", 0, o => (string?)o["spec"]?["type"] ?? "ClusterIP"),
                new("Cluster-IP", "string", "", "The IP address of the service.", 0, o => (string?)o["spec"]?["clusterIP"] ?? "<none>"),
                new("External-IP", "string", "", "The external IP addresses of the service.", 0, _ => "<none>"),
                new("Port(s)", "string", "", "The ports of the service.", 0, o => string.Join(",", (o["spec"]?["ports"] as JsonArray ?? []).OfType<JsonObject>().Select(p => $"{JsonNumbers.Long(p["port"])}/{(string?)p["protocol"] ?? "TCP"}")) is { Length: > 0 } ports ? ports : "<none>"),
                age,
            ],
            "configmaps" => [name, new("Data", "integer", "", "Number of entries in data and binaryData.", 0, o => (long)((o["data"] as JsonObject)?.Count ?? 0) + ((o["binaryData"] as JsonObject)?.Count ?? 0)) { Typed = true }, age],
            "secrets" => [name, new("Type", "string", "", "The type of the secret.", 0, o => (string?)o["type"] ?? "Opaque"), new("Data", "integer", "", "Number of entries in data.", 0, o => (long)((o["data"] as JsonObject)?.Count ?? 0)) { Typed = true }, age],
            "namespaces" => [name, new("Status", "string", "", "The status of the namespace.", 0, o => (string?)o["status"]?["phase"] ?? "Active"), age],
            "nodes" =>
            [
                name,
                new("Status", "string", "", "The status of the node", 0, o => JsonPathColumn.Select(o, ".status.conditions[?(@.type==\"Ready\")].status").Select(JsonPathColumn.Text).FirstOrDefault() == "True" ? "Ready" : "NotReady"),
                new("Roles", "string", "", "The roles of the node", 0, _ => "<none>"),
                age,
                new("Version", "string", "", "Kubelet Version reported by the node.", 0, o => (string?)o["status"]?["nodeInfo"]?["kubeletVersion"] ?? ""),
            ],
            "persistentvolumeclaims" =>
            [
                name,
                new("Status", "string", "", "The phase of the claim.", 0, o => (string?)o["status"]?["phase"] ?? "Pending"),
                new("Volume", "string", "", "The volume bound to the claim.", 0, o => (string?)o["spec"]?["volumeName"] ?? ""),
                new("Capacity", "string", "", "The capacity of the volume.", 0, o => (string?)o["status"]?["capacity"]?["storage"] ?? ""),
                new("Access Modes", "string", "", "The access modes of the volume.", 0, o => string.Join(",", (o["status"]?["accessModes"] as JsonArray ?? []).Select(m => (string?)m))),
                new("StorageClass", "string", "", "The storage class of the claim.", 0, o => (string?)o["spec"]?["storageClassName"] ?? "<unset>"),
                age,
            ],
            "events" or "events.events.k8s.io" =>
            [
                new("Last Seen", "string", "", "Time since the event was last seen.", 0, null) { AgeOf = ".lastTimestamp" },
                new("Type", "string", "", "The type of the event.", 0, o => (string?)o["type"] ?? ""),
                new("Reason", "string", "", "Why the event happened.", 0, o => (string?)o["reason"] ?? ""),
                new("Object", "string", "", "The object the event is about.", 0, o => $"{((string?)(o["involvedObject"] ?? o["regarding"])?["kind"])?.ToLowerInvariant()}/{(string?)(o["involvedObject"] ?? o["regarding"])?["name"]}"),
                new("Message", "string", "", "What happened.", 0, o => (string?)(o["message"] ?? o["note"]) ?? ""),
            ],
            "leases.coordination.k8s.io" => [name, new("Holder", "string", "", "The current holder of the lease.", 0, o => (string?)o["spec"]?["holderIdentity"] ?? ""), age],
            "customresourcedefinitions.apiextensions.k8s.io" => [name, new("Created At", "date", "", "When the definition was created.", 0, o => (string?)o["metadata"]?["creationTimestamp"])],
            _ => [name, age],
        };
    }

    private static string? JoinAt(JsonObject o, string path)
    {
        var values = JsonPathColumn.Select(o, path);
        return values.Count == 0 ? null : string.Join(",", values.Select(JsonPathColumn.Text));
    }

    private static int Count(JsonObject o, string path) => JsonPathColumn.Select(o, path).Count;

    private static string PodStatus(JsonObject pod)
    {
        if (pod["metadata"]?["deletionTimestamp"] is not null)
        {
            return "Terminating";
        }

        foreach (var status in (pod["status"]?["containerStatuses"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if ((string?)status["state"]?["waiting"]?["reason"] is { Length: > 0 } waiting)
            {
                return waiting;
            }

            if ((string?)status["state"]?["terminated"]?["reason"] is { Length: > 0 } terminated && (string?)pod["status"]?["phase"] is not ("Succeeded" or "Failed"))
            {
                return terminated;
            }
        }

        return (string?)pod["status"]?["reason"] ?? (string?)pod["status"]?["phase"] ?? "Pending";
    }

    private static string JobStatus(JsonObject job)
    {
        var conditions = (job["status"]?["conditions"] as JsonArray ?? []).OfType<JsonObject>().Where(c => (string?)c["status"] == "True").Select(c => (string?)c["type"]).ToList();
        return conditions.Contains("Complete") ? "Complete"
            : conditions.Contains("Failed") ? "Failed"
            : conditions.Contains("Suspended") ? "Suspended"
            : conditions.Contains("FailureTarget") ? "FailureTarget"
            : conditions.Contains("SuccessCriteriaMet") ? "SuccessCriteriaMet"
            : "Running";
    }

    private static string JobDuration(JsonObject job)
    {
        if (!DateTimeOffset.TryParse((string?)job["status"]?["startTime"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var start))
        {
            return "";
        }

        var end = DateTimeOffset.TryParse((string?)job["status"]?["completionTime"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var done) ? done : DateTimeOffset.UtcNow;
        return HumanDuration(end - start);
    }

    /// <summary>kube's short human duration (apimachinery's duration.HumanDuration): 45s, 3m20s, 5h, 4d2h, 2y.</summary>
    public static string HumanDuration(TimeSpan d)
    {
        var seconds = (long)Math.Floor(d.TotalSeconds);
        if (seconds < -1)
        {
            return "<invalid>";
        }

        if (seconds < 0)
        {
            return "0s";
        }

        if (seconds < 120)
        {
            return Invariant($"{seconds}s");
        }

        var minutes = seconds / 60;
        if (minutes < 10)
        {
            return seconds % 60 == 0 ? Invariant($"{minutes}m") : Invariant($"{minutes}m{seconds % 60}s");
        }

        if (minutes < 180)
        {
            return Invariant($"{minutes}m");
        }

        var hours = minutes / 60;
        if (hours < 8)
        {
            return minutes % 60 == 0 ? Invariant($"{hours}h") : Invariant($"{hours}h{minutes % 60}m");
        }

        if (hours < 48)
        {
            return Invariant($"{hours}h");
        }

        if (hours < 24 * 8)
        {
            return hours % 24 == 0 ? Invariant($"{hours / 24}d") : Invariant($"{hours / 24}d{hours % 24}h");
        }

        if (hours < 24 * 365 * 2)
        {
            return Invariant($"{hours / 24}d");
        }

        if (hours < 24 * 365 * 8)
        {
            var days = hours / 24 % 365;
            return days == 0 ? Invariant($"{hours / 24 / 365}y") : Invariant($"{hours / 24 / 365}y{days}d");
        }

        return Invariant($"{hours / 24 / 365}y");
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>One column: its definition, and how a cell is computed from an object.</summary>
    private sealed record Column(string Name, string Type, string Format, string Description, int Priority, Func<JsonObject, object?>? Value)
    {
        /// <summary>A timestamp path shown as an age ("5m").</summary>
        public string? AgeOf { get; init; }

        /// <summary>Cells keep the JSON type (numbers, booleans) instead of text.</summary>
        public bool Typed { get; init; }

        public JsonObject Definition() => new() { ["name"] = Name, ["type"] = Type, ["format"] = Format, ["description"] = Description, ["priority"] = Priority };

        public JsonNode? Cell(JsonObject o, DateTimeOffset now)
        {
            if (AgeOf is not null)
            {
                var stamp = JsonPathColumn.Select(o, AgeOf).Select(JsonPathColumn.Text).FirstOrDefault();
                return DateTimeOffset.TryParse(stamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? HumanDuration(now - t) : "<unknown>";
            }

            var value = Value?.Invoke(o);
            if (value is null)
            {
                return null;
            }

            if (Typed && value is string text)
            {
                try
                {
                    return JsonNode.Parse(text);
                }
                catch (System.Text.Json.JsonException)
                {
                    return text; // several values joined: kube prints them as text too
                }
            }

            return value switch
            {
                long l => l,
                string s => s,
                _ => JsonValue.Create(value.ToString()),
            };
        }
    }
}
