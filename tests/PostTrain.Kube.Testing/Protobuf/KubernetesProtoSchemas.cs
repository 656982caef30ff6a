using K = PostTrain.Kube.Testing.Protobuf.ProtoFieldKind;

namespace PostTrain.Kube.Testing.Protobuf;

/// <summary>
/// The messages this decoder reads, with field numbers from Kubernetes' generated.proto files:
/// k8s.io/apimachinery pkg/apis/meta/v1 (ObjectMeta, OwnerReference, ManagedFieldsEntry, DeleteOptions, Preconditions)
/// and k8s.io/api core/v1 (Namespace, Secret, ConfigMap, ServiceAccount and what they hold). JSON names and
/// omitempty come from the Go types' json tags. Static fields initialise in order, so a message follows those it holds.
/// </summary>
internal static class KubernetesProtoSchemas
{
    /// <summary>meta/v1 OwnerReference: apiVersion, kind, name and uid are always in JSON (no omitempty).</summary>
    public static readonly ProtoMessage OwnerReference = new(
        "OwnerReference",
        new(5, "apiVersion", K.String, KeepZero: true),
        new(1, "kind", K.String, KeepZero: true),
        new(3, "name", K.String, KeepZero: true),
        new(4, "uid", K.String, KeepZero: true),
        new(6, "controller", K.Bool, KeepZero: true),
        new(7, "blockOwnerDeletion", K.Bool, KeepZero: true));

    /// <summary>meta/v1 ManagedFieldsEntry.</summary>
    public static readonly ProtoMessage ManagedFieldsEntry = new(
        "ManagedFieldsEntry",
        new(1, "manager", K.String),
        new(2, "operation", K.String),
        new(3, "apiVersion", K.String),
        new(4, "time", K.Time),
        new(6, "fieldsType", K.String),
        new(7, "fieldsV1", K.FieldsV1),
        new(8, "subresource", K.String));

    /// <summary>meta/v1 ObjectMeta (fields 15 and 16 were removed upstream and are skipped).</summary>
    public static readonly ProtoMessage ObjectMeta = new(
        "ObjectMeta",
        new(1, "name", K.String),
        new(2, "generateName", K.String),
        new(3, "namespace", K.String),
        new(4, "selfLink", K.String),
        new(5, "uid", K.String),
        new(6, "resourceVersion", K.String),
        new(7, "generation", K.Int64),
        new(8, "creationTimestamp", K.Time),
        new(9, "deletionTimestamp", K.Time),
        new(10, "deletionGracePeriodSeconds", K.Int64, KeepZero: true),
        new(11, "labels", K.StringMap),
        new(12, "annotations", K.StringMap),
        new(13, "ownerReferences", K.Message, Repeated: true, Message: OwnerReference),
        new(14, "finalizers", K.String, Repeated: true),
        new(17, "managedFields", K.Message, Repeated: true, Message: ManagedFieldsEntry));

    /// <summary>meta/v1 Preconditions: both are pointers, so an empty string that is sent is kept.</summary>
    public static readonly ProtoMessage Preconditions = new(
        "Preconditions",
        new(1, "uid", K.String, KeepZero: true),
        new(2, "resourceVersion", K.String, KeepZero: true));

    /// <summary>meta/v1 DeleteOptions: every scalar is a pointer, so a zero that is sent (gracePeriodSeconds 0) is kept.</summary>
    public static readonly ProtoMessage DeleteOptions = new(
        "DeleteOptions",
        new(1, "gracePeriodSeconds", K.Int64, KeepZero: true),
        new(2, "preconditions", K.Message, Message: Preconditions),
        new(3, "orphanDependents", K.Bool, KeepZero: true),
        new(4, "propagationPolicy", K.String, KeepZero: true),
        new(5, "dryRun", K.String, Repeated: true),
        new(6, "ignoreStoreReadErrorWithClusterBreakingPotential", K.Bool, KeepZero: true));

    /// <summary>core/v1 NamespaceSpec.</summary>
    public static readonly ProtoMessage NamespaceSpec = new(
        "NamespaceSpec",
        new ProtoField(1, "finalizers", K.String, Repeated: true));

    /// <summary>core/v1 NamespaceCondition: type and status have no omitempty.</summary>
    public static readonly ProtoMessage NamespaceCondition = new(
        "NamespaceCondition",
        new(1, "type", K.String, KeepZero: true),
        new(2, "status", K.String, KeepZero: true),
        new(4, "lastTransitionTime", K.Time),
        new(5, "reason", K.String),
        new(6, "message", K.String));

    /// <summary>core/v1 NamespaceStatus.</summary>
    public static readonly ProtoMessage NamespaceStatus = new(
        "NamespaceStatus",
        new(1, "phase", K.String),
        new(2, "conditions", K.Message, Repeated: true, Message: NamespaceCondition));

    /// <summary>core/v1 Namespace.</summary>
    public static readonly ProtoMessage Namespace = new(
        "Namespace",
        new(1, "metadata", K.Message, Message: ObjectMeta),
        new(2, "spec", K.Message, Message: NamespaceSpec),
        new(3, "status", K.Message, Message: NamespaceStatus));

    /// <summary>core/v1 Secret.</summary>
    public static readonly ProtoMessage Secret = new(
        "Secret",
        new(1, "metadata", K.Message, Message: ObjectMeta),
        new(2, "data", K.BytesMap),
        new(3, "type", K.String),
        new(4, "stringData", K.StringMap),
        new(5, "immutable", K.Bool, KeepZero: true));

    /// <summary>core/v1 ConfigMap.</summary>
    public static readonly ProtoMessage ConfigMap = new(
        "ConfigMap",
        new(1, "metadata", K.Message, Message: ObjectMeta),
        new(2, "data", K.StringMap),
        new(3, "binaryData", K.BytesMap),
        new(4, "immutable", K.Bool, KeepZero: true));

    /// <summary>core/v1 ObjectReference.</summary>
    public static readonly ProtoMessage ObjectReference = new(
        "ObjectReference",
        new(1, "kind", K.String),
        new(2, "namespace", K.String),
        new(3, "name", K.String),
        new(4, "uid", K.String),
        new(5, "apiVersion", K.String),
        new(6, "resourceVersion", K.String),
        new(7, "fieldPath", K.String));

    /// <summary>core/v1 LocalObjectReference.</summary>
    public static readonly ProtoMessage LocalObjectReference = new(
        "LocalObjectReference",
        new ProtoField(1, "name", K.String));

    /// <summary>core/v1 ServiceAccount.</summary>
    public static readonly ProtoMessage ServiceAccount = new(
        "ServiceAccount",
        new(1, "metadata", K.Message, Message: ObjectMeta),
        new(2, "secrets", K.Message, Repeated: true, Message: ObjectReference),
        new(3, "imagePullSecrets", K.Message, Repeated: true, Message: LocalObjectReference),
        new(4, "automountServiceAccountToken", K.Bool, KeepZero: true));
}
