using k8s;
using k8s.Models;
using PostTrain.Kube.Models;

namespace PostTrain.Kube.Controllers;

/// <summary>Owner-reference helpers (controller-runtime's controllerutil).</summary>
public static class OwnerReferences
{
    /// <summary>
    /// Makes <paramref name="owner"/> the controller of <paramref name="child"/> (controller and blockOwnerDeletion
    /// set), so the child is garbage-collected with its owner and its events map to the owner. Throws when another
    /// object already controls the child. Both must be in the same namespace (or the owner cluster-scoped).
    /// </summary>
    public static void SetControllerReference(IKubernetesObject<V1ObjectMeta> owner, IKubernetesObject<V1ObjectMeta> child)
    {
        var uid = owner.Metadata.Uid ?? throw new ArgumentException($"owner {owner.Kind} {owner.Metadata.Name} has no uid yet; create it (or read it back) first", nameof(owner));
        if (!string.IsNullOrEmpty(owner.Metadata.NamespaceProperty) && owner.Metadata.NamespaceProperty != (child.Metadata.NamespaceProperty ?? owner.Metadata.NamespaceProperty))
        {
            throw new ArgumentException($"cross-namespace owner references are not allowed: owner in {owner.Metadata.NamespaceProperty}, child in {child.Metadata.NamespaceProperty}", nameof(child));
        }

        var references = child.Metadata.OwnerReferences ??= [];
        var existing = references.FirstOrDefault(r => r.Controller == true);
        if (existing is not null && existing.Uid != uid)
        {
            throw new InvalidOperationException($"{child.Kind} {child.Metadata.Name} is already controlled by {existing.Kind} {existing.Name}");
        }

        references.RemoveWhere(r => r.Uid == uid);
        references.Add(new V1OwnerReference
        {
            ApiVersion = owner.ApiVersion ?? throw new ArgumentException("owner has no apiVersion", nameof(owner)),
            Kind = owner.Kind ?? throw new ArgumentException("owner has no kind", nameof(owner)),
            Name = owner.Metadata.Name ?? "",
            Uid = uid,
            Controller = true,
            BlockOwnerDeletion = true,
        });
    }

    /// <summary>The controller owner reference, if any.</summary>
    public static V1OwnerReference? GetController(IKubernetesObject<V1ObjectMeta> obj) => obj.Metadata.OwnerReferences?.FirstOrDefault(r => r.Controller == true);

    /// <summary>Whether <paramref name="owner"/> is the controller of <paramref name="child"/>.</summary>
    public static bool IsControlledBy(IKubernetesObject<V1ObjectMeta> child, IKubernetesObject<V1ObjectMeta> owner) =>
        GetController(child) is { } r && r.Uid == owner.Metadata.Uid;
}
