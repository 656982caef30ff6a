using System.Diagnostics.CodeAnalysis;

namespace PostTrain.Kube.Testing.Patching;

/// <summary>
/// The strategic merge patch schemas of the built-in kinds, taken from the <c>patchStrategy</c> and
/// <c>patchMergeKey</c> struct tags of the Go types in k8s.io/api v0.34 (core/v1, apps/v1, batch/v1, policy/v1,
/// rbac/v1, coordination/v1, events/v1) and k8s.io/apimachinery's meta/v1 ObjectMeta. A kube-apiserver applies
/// strategic merge patches only to kinds it has Go types for; custom resources get 415 Unsupported Media Type,
/// so <see cref="For(ResourceType)"/> answers null for them.
/// </summary>
public static class BuiltInPatchSchemas
{
    /// <summary>metav1.ObjectMeta: ownerReferences merge by uid, finalizers merge as a set; managedFields is atomic.</summary>
    public static PatchSchema ObjectMeta { get; } = Type("ObjectMeta", new()
    {
        ["ownerReferences"] = PatchField.MergeBy("uid"),
        ["finalizers"] = PatchField.MergeSet(),
    });

    /// <summary>core/v1 Container (and EphemeralContainer, whose inlined common fields carry the same tags).</summary>
    public static PatchSchema Container { get; } = Type("Container", new()
    {
        ["ports"] = PatchField.MergeBy("containerPort"),
        ["env"] = PatchField.MergeBy("name"),
        ["volumeMounts"] = PatchField.MergeBy("mountPath"),
        ["volumeDevices"] = PatchField.MergeBy("devicePath"),
        // envFrom, resizePolicy, command, args: untagged, replaced whole.
    });

    /// <summary>core/v1 PodSpec.</summary>
    public static PatchSchema PodSpec { get; } = Type("PodSpec", new()
    {
        ["volumes"] = PatchField.MergeBy("name").WithRetainKeys(),
        ["initContainers"] = PatchField.MergeBy("name", Container),
        ["containers"] = PatchField.MergeBy("name", Container),
        ["ephemeralContainers"] = PatchField.MergeBy("name", Container),
        ["imagePullSecrets"] = PatchField.MergeBy("name"),
        ["hostAliases"] = PatchField.MergeBy("ip"),
        ["topologySpreadConstraints"] = PatchField.MergeBy("topologyKey"),
        ["schedulingGates"] = PatchField.MergeBy("name"),
        ["resourceClaims"] = PatchField.MergeBy("name").WithRetainKeys(),
        // tolerations, readinessGates, affinity's lists: untagged, replaced whole.
    });

    /// <summary>core/v1 PodStatus; containerStatuses and its siblings are untagged, so replaced whole.</summary>
    public static PatchSchema PodStatus { get; } = Type("PodStatus", new()
    {
        ["conditions"] = PatchField.MergeBy("type"),
        ["hostIPs"] = PatchField.MergeBy("ip"),
        ["podIPs"] = PatchField.MergeBy("ip"),
        ["resourceClaimStatuses"] = PatchField.MergeBy("name").WithRetainKeys(),
    });

    /// <summary>core/v1 PodTemplateSpec: metadata and spec.</summary>
    public static PatchSchema PodTemplateSpec { get; } = Type("PodTemplateSpec", new()
    {
        ["metadata"] = PatchField.Of(ObjectMeta),
        ["spec"] = PatchField.Of(PodSpec),
    });

    /// <summary>core/v1 Pod.</summary>
    public static PatchSchema Pod { get; } = Kind("Pod", PodSpec, PodStatus);

    /// <summary>core/v1 PodTemplate.</summary>
    public static PatchSchema PodTemplate { get; } = Type("PodTemplate", new()
    {
        ["metadata"] = PatchField.Of(ObjectMeta),
        ["template"] = PatchField.Of(PodTemplateSpec),
    });

    /// <summary>core/v1 ReplicationController.</summary>
    public static PatchSchema ReplicationController { get; } = Kind("ReplicationController", WithTemplate("ReplicationControllerSpec"), Conditions("ReplicationControllerStatus"));

    /// <summary>core/v1 Service: spec.ports merge by port, status.conditions by type.</summary>
    public static PatchSchema Service { get; } = Kind(
        "Service",
        Type("ServiceSpec", new() { ["ports"] = PatchField.MergeBy("port") }),
        Conditions("ServiceStatus"));

    /// <summary>core/v1 ServiceAccount: secrets merge by name; imagePullSecrets is untagged here, so replaced whole.</summary>
    public static PatchSchema ServiceAccount { get; } = Type("ServiceAccount", new()
    {
        ["metadata"] = PatchField.Of(ObjectMeta),
        ["secrets"] = PatchField.MergeBy("name"),
    });

    /// <summary>core/v1 Namespace: status.conditions by type.</summary>
    public static PatchSchema Namespace { get; } = Kind("Namespace", spec: null, Conditions("NamespaceStatus"));

    /// <summary>core/v1 PersistentVolumeClaim: status.conditions by type.</summary>
    public static PatchSchema PersistentVolumeClaim { get; } = Kind("PersistentVolumeClaim", spec: null, Conditions("PersistentVolumeClaimStatus"));

    /// <summary>core/v1 Node: spec.podCIDRs merge as a set, status.conditions and status.addresses by type.</summary>
    public static PatchSchema Node { get; } = Kind(
        "Node",
        Type("NodeSpec", new() { ["podCIDRs"] = PatchField.MergeSet() }),
        Type("NodeStatus", new()
        {
            ["conditions"] = PatchField.MergeBy("type"),
            ["addresses"] = PatchField.MergeBy("type"),
        }));

    /// <summary>apps/v1 Deployment: spec.template is a PodTemplateSpec, spec.strategy carries retainKeys.</summary>
    public static PatchSchema Deployment { get; } = Kind(
        "Deployment",
        Type("DeploymentSpec", new()
        {
            ["template"] = PatchField.Of(PodTemplateSpec),
            ["strategy"] = PatchField.None.WithRetainKeys(),
        }),
        Conditions("DeploymentStatus"));

    /// <summary>apps/v1 StatefulSet; volumeClaimTemplates is untagged, so replaced whole.</summary>
    public static PatchSchema StatefulSet { get; } = Kind("StatefulSet", WithTemplate("StatefulSetSpec"), Conditions("StatefulSetStatus"));

    /// <summary>apps/v1 DaemonSet.</summary>
    public static PatchSchema DaemonSet { get; } = Kind("DaemonSet", WithTemplate("DaemonSetSpec"), Conditions("DaemonSetStatus"));

    /// <summary>apps/v1 ReplicaSet.</summary>
    public static PatchSchema ReplicaSet { get; } = Kind("ReplicaSet", WithTemplate("ReplicaSetSpec"), Conditions("ReplicaSetStatus"));

    /// <summary>batch/v1 JobSpec: the pod template.</summary>
    public static PatchSchema JobSpec { get; } = WithTemplate("JobSpec");

    /// <summary>batch/v1 Job: spec.template, status.conditions by type.</summary>
    public static PatchSchema Job { get; } = Kind("Job", JobSpec, Conditions("JobStatus"));

    /// <summary>batch/v1 CronJob: spec.jobTemplate holds a Job's metadata and spec.</summary>
    public static PatchSchema CronJob { get; } = Kind(
        "CronJob",
        Type("CronJobSpec", new()
        {
            ["jobTemplate"] = PatchField.Of(Type("JobTemplateSpec", new()
            {
                ["metadata"] = PatchField.Of(ObjectMeta),
                ["spec"] = PatchField.Of(JobSpec),
            })),
        }),
        status: null);

    /// <summary>policy/v1 PodDisruptionBudget: spec.selector is replaced whole, status.conditions merge by type.</summary>
    public static PatchSchema PodDisruptionBudget { get; } = Kind(
        "PodDisruptionBudget",
        Type("PodDisruptionBudgetSpec", new() { ["selector"] = PatchField.Replace() }),
        Conditions("PodDisruptionBudgetStatus"));

    /// <summary>
    /// A kind whose only tagged fields are its ObjectMeta's: ConfigMap, Secret, Event, Lease, NetworkPolicy (ingress and egress are untagged), the RBAC kinds (rules
    /// and subjects are untagged, so replaced whole) and CustomResourceDefinition (its versions list is untagged).
    /// </summary>
    public static PatchSchema MetadataOnly { get; } = Kind("Object", spec: null, status: null);

    private static readonly Dictionary<(string Group, string Kind), PatchSchema> ByKind = new()
    {
        [("", "Pod")] = Pod,
        [("", "PodTemplate")] = PodTemplate,
        [("", "ReplicationController")] = ReplicationController,
        [("", "Service")] = Service,
        [("", "ServiceAccount")] = ServiceAccount,
        [("", "Namespace")] = Namespace,
        [("", "PersistentVolumeClaim")] = PersistentVolumeClaim,
        [("", "Node")] = Node,
        [("", "ConfigMap")] = MetadataOnly,
        [("", "Secret")] = MetadataOnly,
        [("", "Event")] = MetadataOnly,
        [("apps", "Deployment")] = Deployment,
        [("apps", "StatefulSet")] = StatefulSet,
        [("apps", "DaemonSet")] = DaemonSet,
        [("apps", "ReplicaSet")] = ReplicaSet,
        [("batch", "Job")] = Job,
        [("batch", "CronJob")] = CronJob,
        [("policy", "PodDisruptionBudget")] = PodDisruptionBudget,
        [("rbac.authorization.k8s.io", "Role")] = MetadataOnly,
        [("rbac.authorization.k8s.io", "ClusterRole")] = MetadataOnly,
        [("rbac.authorization.k8s.io", "RoleBinding")] = MetadataOnly,
        [("rbac.authorization.k8s.io", "ClusterRoleBinding")] = MetadataOnly,
        [("coordination.k8s.io", "Lease")] = MetadataOnly,
        [("networking.k8s.io", "NetworkPolicy")] = MetadataOnly,
        [("events.k8s.io", "Event")] = MetadataOnly,
        [("apiextensions.k8s.io", "CustomResourceDefinition")] = MetadataOnly,
    };

    /// <summary>The built-in kinds this catalogue knows, as (API group, kind); "" is the core group.</summary>
    public static IReadOnlyCollection<(string Group, string Kind)> Kinds => ByKind.Keys;

    /// <summary>The schema of a built-in kind by API group ("" for core) and kind; false for any other kind.</summary>
    public static bool TryGet(string group, string kind, [NotNullWhen(true)] out PatchSchema? schema) =>
        ByKind.TryGetValue((group, kind), out schema);

    /// <summary>
    /// The schema to apply a strategic merge patch to a resource with, or null where kube-apiserver answers
    /// 415 Unsupported Media Type: custom resources, and kinds this catalogue does not know.
    /// </summary>
    public static PatchSchema? For(ResourceType type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return !type.IsCustom && TryGet(type.Group, type.Kind, out var schema) ? schema : null;
    }

    /// <summary>Whether a resource accepts <c>application/strategic-merge-patch+json</c>.</summary>
    public static bool SupportsStrategicMergePatch(ResourceType type) => For(type) is not null;

    private static PatchSchema Type(string name, Dictionary<string, PatchField> fields) => new(name, fields);

    private static PatchSchema Conditions(string name) => Type(name, new() { ["conditions"] = PatchField.MergeBy("type") });

    private static PatchSchema WithTemplate(string name) => Type(name, new() { ["template"] = PatchField.Of(PodTemplateSpec) });

    private static PatchSchema Kind(string name, PatchSchema? spec, PatchSchema? status)
    {
        var fields = new Dictionary<string, PatchField>(StringComparer.Ordinal) { ["metadata"] = PatchField.Of(ObjectMeta) };
        if (spec is not null)
        {
            fields["spec"] = PatchField.Of(spec);
        }

        if (status is not null)
        {
            fields["status"] = PatchField.Of(status);
        }

        return new PatchSchema(name, fields);
    }
}
