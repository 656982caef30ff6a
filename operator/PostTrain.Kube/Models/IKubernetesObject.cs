namespace PostTrain.Kube.Models;

/// <summary>An object the API server stores: apiVersion, kind and metadata.</summary>
public interface IKubernetesObject
{
    /// <summary>The API version, e.g. "v1" or "batch/v1".</summary>
    string? ApiVersion { get; set; }

    /// <summary>The kind, e.g. "Pod".</summary>
    string? Kind { get; set; }

    /// <summary>Standard object metadata.</summary>
    ObjectMeta Metadata { get; set; }
}
