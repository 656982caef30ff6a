using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Reflection;
using k8s.Models;

namespace PostTrain.Kube.Models;

/// <summary>Where a kind is served: group, version, plural and scope.</summary>
/// <param name="Group">API group ("" for core).</param>
/// <param name="Version">API version.</param>
/// <param name="Plural">Plural resource name.</param>
/// <param name="Kind">Kind.</param>
/// <param name="Namespaced">Whether objects live in a namespace.</param>
public sealed record ResourceDescriptor(string Group, string Version, string Plural, string Kind, bool Namespaced)
{
    private static readonly ConcurrentDictionary<Type, ResourceDescriptor> Cache = new();

    /// <summary>
    /// The cluster-scoped built-in kinds, by group and kind: the official <see cref="KubernetesEntityAttribute"/> does
    /// not say a kind's scope, and every other kind is namespaced.
    /// </summary>
    private static readonly FrozenSet<(string Group, string Kind)> ClusterScoped = new[]
    {
        ("", "Namespace"), ("", "Node"), ("", "PersistentVolume"), ("", "ComponentStatus"),
        ("apiextensions.k8s.io", "CustomResourceDefinition"), ("apiregistration.k8s.io", "APIService"),
        ("rbac.authorization.k8s.io", "ClusterRole"), ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
        ("storage.k8s.io", "StorageClass"), ("storage.k8s.io", "CSIDriver"), ("storage.k8s.io", "CSINode"),
        ("storage.k8s.io", "VolumeAttachment"), ("scheduling.k8s.io", "PriorityClass"), ("node.k8s.io", "RuntimeClass"),
        ("networking.k8s.io", "IngressClass"), ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"), ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"), ("certificates.k8s.io", "CertificateSigningRequest"),
        ("flowcontrol.apiserver.k8s.io", "FlowSchema"), ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
    }.ToFrozenSet();

    /// <summary>"v1" or "group/version".</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The descriptor of a model with the official <see cref="KubernetesEntityAttribute"/> (every k8s.Models kind has one).</summary>
    public static ResourceDescriptor For<T>() => For(typeof(T));

    /// <summary>The descriptor of a model type with the official <see cref="KubernetesEntityAttribute"/>.</summary>
    public static ResourceDescriptor For(Type type) => Cache.GetOrAdd(type, t =>
    {
        var attribute = t.GetCustomAttribute<KubernetesEntityAttribute>()
            ?? throw new InvalidOperationException($"{t.FullName} has no [KubernetesEntity] attribute; add one naming its group, version, kind and plural, or pass a ResourceDescriptor explicitly.");
        var group = attribute.Group ?? "";
        return new ResourceDescriptor(group, attribute.ApiVersion, attribute.PluralName, attribute.Kind, !ClusterScoped.Contains((group, attribute.Kind)));
    });

    /// <summary>The collection path, e.g. /apis/batch/v1/namespaces/ns/jobs.</summary>
    public string CollectionPath(string? ns)
    {
        var root = Group.Length == 0 ? $"/api/{Version}" : $"/apis/{Group}/{Version}";
        return Namespaced && !string.IsNullOrEmpty(ns) ? $"{root}/namespaces/{Uri.EscapeDataString(ns)}/{Plural}" : $"{root}/{Plural}";
    }

    /// <summary>The path of one object, optionally a subresource of it.</summary>
    public string ObjectPath(string? ns, string name, string? subresource = null) =>
        CollectionPath(ns) + "/" + Uri.EscapeDataString(name) + (subresource is null ? "" : "/" + subresource);
}
