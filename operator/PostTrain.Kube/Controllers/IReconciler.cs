namespace PostTrain.Kube.Controllers;

/// <summary>Brings the world in line with one object's desired state. Must be idempotent: it is called again and again.</summary>
public interface IReconciler
{
    /// <summary>Reconciles one object (it may no longer exist). Throwing is treated as <see cref="ReconcileResult.Error"/>.</summary>
    Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken);
}
