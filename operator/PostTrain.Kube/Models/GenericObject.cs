namespace PostTrain.Kube.Models;

/// <summary>Any object, with everything beyond apiVersion, kind and metadata kept in <see cref="KubernetesObject.ExtensionData"/>.</summary>
public sealed class GenericObject : KubernetesObject
{
}
