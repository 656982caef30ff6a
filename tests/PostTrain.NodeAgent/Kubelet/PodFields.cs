using System.Text.RegularExpressions;
using k8s.Models;
using PostTrain.NodeAgent.Json;

namespace PostTrain.NodeAgent.Kubelet;

/// <summary>The downward API: the pod fields a fieldRef may name (in env and in downwardAPI volumes).</summary>
internal static partial class PodFields
{
    /// <summary>The value of <paramref name="fieldPath"/> for <paramref name="pod"/> running at <paramref name="podIp"/>.</summary>
    public static string Resolve(V1Pod pod, string fieldPath, string podIp, string hostIp)
    {
        var keyed = KeyedField().Match(fieldPath);
        if (keyed.Success)
        {
            var map = keyed.Groups[1].Value == "labels" ? pod.Metadata.Labels : pod.Metadata.Annotations;
            return map is not null && map.TryGetValue(keyed.Groups[2].Value, out var value) ? value : "";
        }

        return fieldPath switch
        {
            "metadata.name" => pod.Metadata.Name ?? "",
            "metadata.namespace" => pod.Metadata.NamespaceProperty ?? "",
            "metadata.uid" => pod.Metadata.Uid ?? "",
            "metadata.labels" => Lines(pod.Metadata.Labels),
            "metadata.annotations" => Lines(pod.Metadata.Annotations),
            "spec.nodeName" => pod.Spec.NodeName ?? "",
            "spec.serviceAccountName" => pod.Spec.ServiceAccountName ?? pod.Spec.ServiceAccount ?? "default",
            "status.podIP" or "status.podIPs" => podIp,
            "status.hostIP" or "status.hostIPs" => hostIp,
            _ => throw PodSetupException.Fail("CreateContainerConfigError", $"fieldRef \"{fieldPath}\" is not a field the downward API offers"),
        };
    }

    /// <summary>Labels or annotations as a downwardAPI volume writes them: <c>key="value"</c> lines, sorted.</summary>
    private static string Lines(IDictionary<string, string>? map) =>
        map is null ? "" : string.Join('\n', map.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}=\"{p.Value}\""));

    [GeneratedRegex(@"^metadata\.(labels|annotations)\['([^']+)'\]$")]
    private static partial Regex KeyedField();
}
