using k8s;
using k8s.Models;
using PostTrain.Kube.Models;

namespace PostTrain.Kube.Controllers;

/// <summary>Finalizer helpers: they edit the object in memory and say whether anything changed (write it back if so).</summary>
public static class Finalizers
{
    /// <summary>Whether the object carries the finalizer.</summary>
    public static bool Has(IKubernetesObject<V1ObjectMeta> obj, string finalizer) => obj.Metadata.Finalizers?.Contains(finalizer) == true;

    /// <summary>Adds the finalizer; returns true when it was missing.</summary>
    public static bool Add(IKubernetesObject<V1ObjectMeta> obj, string finalizer)
    {
        if (Has(obj, finalizer))
        {
            return false;
        }

        (obj.Metadata.Finalizers ??= []).Add(finalizer);
        return true;
    }

    /// <summary>Removes the finalizer; returns true when it was present.</summary>
    public static bool Remove(IKubernetesObject<V1ObjectMeta> obj, string finalizer) => obj.Metadata.Finalizers?.RemoveWhere(f => f == finalizer) > 0;

    /// <summary>Whether deletion was requested (deletionTimestamp set).</summary>
    public static bool IsBeingDeleted(IKubernetesObject<V1ObjectMeta> obj) => obj.Metadata.DeletionTimestamp is not null;
}
