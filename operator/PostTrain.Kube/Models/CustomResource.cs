namespace PostTrain.Kube.Models;

/// <summary>A custom resource with a typed spec and status.</summary>
/// <typeparam name="TSpec">The spec type.</typeparam>
/// <typeparam name="TStatus">The status type.</typeparam>
public abstract class CustomResource<TSpec, TStatus> : KubernetesObject
    where TSpec : new()
{
    /// <summary>Desired state.</summary>
    public TSpec Spec { get; set; } = new();

    /// <summary>Observed state, written through the status subresource.</summary>
    public TStatus? Status { get; set; }
}
