using System.Globalization;
using k8s.Models;
using PostTrain.Kube.Models;
using PostTrain.NodeAgent.Json;

namespace PostTrain.NodeAgent.Jobs;

/// <summary>
/// The pods a Job creates, as kube's job controller makes them: the template's labels, annotations and spec,
/// generateName <c>JOB-</c> (Indexed: <c>JOB-INDEX-</c>), a controller owner reference to the Job with
/// blockOwnerDeletion; Indexed pods also get the completion index as annotation and label, the hostname
/// <c>JOB-INDEX</c> and the <c>JOB_COMPLETION_INDEX</c> variable in every container.
/// </summary>
internal static class JobPods
{
    /// <summary>The completion index annotation (and label).</summary>
    public const string CompletionIndexAnnotation = "batch.kubernetes.io/job-completion-index";

    /// <summary>The name of the index on the pod informer's cache that maps a pod to its controlling Job's uid.</summary>
    public const string JobUidIndex = "job-uid";

    /// <summary>The controlling Job's uid of a pod (for <see cref="JobUidIndex"/>).</summary>
    public static IEnumerable<string> JobUid(V1Pod pod) =>
        pod.Metadata.OwnerReferences?.FirstOrDefault(r => r.Controller == true) is { Kind: "Job" } owner && owner.ApiVersion.StartsWith("batch/", StringComparison.Ordinal) ? [owner.Uid] : [];

    /// <summary>A pod's completion index, or null when it has none (or an invalid one).</summary>
    public static int? Index(V1Pod pod) =>
        pod.Metadata.Annotations is { } annotations && annotations.TryGetValue(CompletionIndexAnnotation, out var text)
        && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? index : null;

    /// <summary>A new pod of <paramref name="job"/>; <paramref name="index"/> for Indexed Jobs.</summary>
    public static V1Pod New(V1Job job, int? index)
    {
        var template = job.Spec.Template;
        var name = job.Metadata.Name!;
        var pod = new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                GenerateName = index is { } i ? $"{name}-{i.ToString(CultureInfo.InvariantCulture)}-" : $"{name}-",
                NamespaceProperty = job.Metadata.NamespaceProperty,
                Labels = new Dictionary<string, string>(template.Metadata?.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal),
                Annotations = new Dictionary<string, string>(template.Metadata?.Annotations ?? new Dictionary<string, string>(), StringComparer.Ordinal),
                OwnerReferences =
                [
                    new V1OwnerReference { ApiVersion = "batch/v1", Kind = "Job", Name = name, Uid = job.Metadata.Uid!, Controller = true, BlockOwnerDeletion = true },
                ],
            },
            Spec = KubeJson.Clone(template.Spec),
        };
        if (index is { } completionIndex)
        {
            var text = completionIndex.ToString(CultureInfo.InvariantCulture);
            pod.Metadata.Annotations[CompletionIndexAnnotation] = text;
            pod.Metadata.Labels[CompletionIndexAnnotation] = text;
            pod.Spec.Hostname = $"{name}-{text}";
            foreach (var container in pod.Spec.Containers.Concat(pod.Spec.InitContainers ?? []))
            {
                container.Env ??= [];
                if (!container.Env.Any(e => e.Name == "JOB_COMPLETION_INDEX"))
                {
                    container.Env.Insert(0, new V1EnvVar
                    {
                        Name = "JOB_COMPLETION_INDEX",
                        ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = $"metadata.annotations['{CompletionIndexAnnotation}']" } },
                    });
                }
            }
        }

        if (pod.Metadata.Annotations.Count == 0)
        {
            pod.Metadata.Annotations = null;
        }

        return pod;
    }
}
