namespace PostTrain.Kube.Models;

/// <summary>core/v1 Namespace.</summary>
[KubernetesEntity(Group = "", ApiVersion = "v1", Kind = "Namespace", PluralName = "namespaces", Namespaced = false)]
public sealed class Namespace : KubernetesObject
{
}
