
namespace PostTrain.Kube.Controllers;

/// <summary>Which object to reconcile.</summary>
/// <param name="Namespace">Namespace, or null for cluster-scoped objects.</param>
/// <param name="Name">Name.</param>
public sealed record ReconcileRequest(string? Namespace, string Name)
{
    /// <summary>"namespace/name" (or "name").</summary>
    public override string ToString() => Informers.ObjectKey.Of(Namespace, Name);
}
