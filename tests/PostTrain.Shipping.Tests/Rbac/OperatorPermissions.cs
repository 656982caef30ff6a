namespace PostTrain.Shipping.Tests.Rbac;

/// <summary>
/// Permissions in the chart's operator Roles that the recorded scenario cannot show, each with the code (or the
/// admission rule) that needs it. Everything else the chart grants must appear in the scenario's requests, and
/// everything in the requests must be granted: together, "the verbs are exactly those the operator uses".
/// </summary>
public static class OperatorPermissions
{
    /// <summary>The three PostTrain resources; one JobReconciler serves them all, so a verb used on one is needed on each.</summary>
    public static readonly IReadOnlyList<string> JobResources = ["sftjobs", "rlvrjobs", "evaljobs"];

    /// <summary>(API group, resource, verb) granted though the scenario does not send it, and why.</summary>
    public static readonly IReadOnlyDictionary<(string Group, string Resource, string Verb), string> NotSeenInScenario =
        new Dictionary<(string, string, string), string>
        {
            [("posttrain.dev", "sftjobs/finalizers", "update")] =
                "children carry ownerReferences with blockOwnerDeletion: true; the OwnerReferencesPermissionEnforcement admission plugin (OpenShift and hardened clusters) requires update on the owner's finalizers",
            [("", "configmaps", "get")] =
                "UpdateAsync reads the ConfigMap before it writes job.json back (SpecChangeTests)",
            [("", "configmaps", "update")] =
                "job.json is rewritten when a spec edit reaches a suspended job's workload (tests/PostTrain.Operator.Tests/SpecChangeTests)",
            [("networking.k8s.io", "networkpolicies", "create")] =
                "a job whose rewards run code gets an egress NetworkPolicy; the scenario's job is an SftJob (tests/PostTrain.Operator.Tests/SandboxRenderingTests)",
            [("batch", "jobs/status", "update")] =
                "a Job suspended after it started keeps status.startTime, which the API server checks before scheduling fields may change; the operator clears it (SpecChangeTests)",
        };

    /// <summary>The resource name used for comparisons: the three PostTrain kinds fold into sftjobs.</summary>
    public static string Canonical(string resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var slash = resource.IndexOf('/', StringComparison.Ordinal);
        var main = slash < 0 ? resource : resource[..slash];
        var sub = slash < 0 ? "" : resource[slash..];
        return JobResources.Contains(main) ? "sftjobs" + sub : resource;
    }
}
