namespace PostTrain.Kube.Testing;

/// <summary>
/// The built-in resources the test API server serves, with the names, short names and categories kube-apiserver's
/// discovery reports for them, so that kubectl resolves <c>po</c>, <c>deploy</c>, <c>all</c> and the like as it does
/// against a real cluster.
/// </summary>
public static class BuiltinResources
{
    /// <summary>Every built-in resource.</summary>
    public static IReadOnlyList<ResourceType> All { get; } =
    [
        new("", "v1", "namespaces", "Namespace", Namespaced: false, HasStatus: true) { ShortNames = ["ns"] },
        new("", "v1", "pods", "Pod", Namespaced: true, HasStatus: true) { ShortNames = ["po"], Categories = ["all"], Subresources = ["log", "binding"] },
        new("", "v1", "nodes", "Node", Namespaced: false, HasStatus: true) { ShortNames = ["no"] },
        new("", "v1", "services", "Service", Namespaced: true, HasStatus: true) { ShortNames = ["svc"], Categories = ["all"] },
        new("", "v1", "configmaps", "ConfigMap", Namespaced: true, HasStatus: false) { ShortNames = ["cm"] },
        new("", "v1", "secrets", "Secret", Namespaced: true, HasStatus: false),
        new("", "v1", "events", "Event", Namespaced: true, HasStatus: false) { ShortNames = ["ev"] },
        new("", "v1", "serviceaccounts", "ServiceAccount", Namespaced: true, HasStatus: false) { ShortNames = ["sa"] },
        new("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", Namespaced: true, HasStatus: true) { ShortNames = ["pvc"] },
        new("batch", "v1", "jobs", "Job", Namespaced: true, HasStatus: true) { Categories = ["all"] },
        new("apps", "v1", "deployments", "Deployment", Namespaced: true, HasStatus: true) { ShortNames = ["deploy"], Categories = ["all"] },
        new("coordination.k8s.io", "v1", "leases", "Lease", Namespaced: true, HasStatus: false),
        new("events.k8s.io", "v1", "events", "Event", Namespaced: true, HasStatus: false) { ShortNames = ["ev"] },
        new("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", Namespaced: false, HasStatus: true) { ShortNames = ["crd", "crds"], Categories = ["api-extensions"] },
        new("rbac.authorization.k8s.io", "v1", "roles", "Role", Namespaced: true, HasStatus: false),
        new("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", Namespaced: true, HasStatus: false),
        new("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", Namespaced: false, HasStatus: false),
        new("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", Namespaced: false, HasStatus: false),
        new("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", Namespaced: true, HasStatus: true) { ShortNames = ["pdb"] },
        new("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", Namespaced: true, HasStatus: false) { ShortNames = ["netpol"] },
    ];
}
