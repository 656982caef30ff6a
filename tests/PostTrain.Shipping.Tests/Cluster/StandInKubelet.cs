using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using PostTrain.Kube.Client;
using PostTrain.Kube.Models;
using PostTrain.Kube.Testing;
using PostTrain.Operator.Rendering;
using BatchJobStatus = k8s.Models.V1JobStatus;

namespace PostTrain.Shipping.Tests.Cluster;

/// <summary>
/// The parts of the Job controller and kubelet a scenario needs when no node runs pods: for a batch Job it creates
/// the pods its selector matches (owned by the Job, one per completion index), records their log, lets them run,
/// and ends them with the worker's result as the termination message, then marks the Job Complete. The worker's
/// output is given by the test: no training runs.
/// </summary>
public sealed class StandInKubelet(KubernetesClient client, ObjectStore store)
{
    /// <summary>Runs the batch Job <paramref name="batchJob"/> to success with <paramref name="result"/> as every pod's result.</summary>
    public async Task CompleteAsync(string ns, string batchJob, object result, string log, CancellationToken cancellationToken)
    {
        V1Job job;
        while ((job = (await client.Jobs.TryGetAsync(batchJob, ns, cancellationToken))!) is null || job.Spec.Suspend == true)
        {
            await Task.Delay(50, cancellationToken);
        }

        var template = job.Spec.Template;
        var completions = job.Spec.Completions ?? 1;
        var started = DateTimeOffset.UtcNow;
        await client.Jobs.UpdateAsync(batchJob, j => j.Status = new BatchJobStatus { Active = completions, StartTime = started.UtcDateTime }, ns, status: true, cancellationToken: cancellationToken);
        var pods = new List<string>();
        for (var index = 0; index < completions; index++)
        {
            var name = $"{batchJob}-{index}-{Guid.NewGuid().ToString("N")[..5]}";
            var annotations = new Dictionary<string, string>(template.Metadata?.Annotations ?? new Dictionary<string, string>()) { [ChildNames.CompletionIndexAnnotation] = index.ToString(CultureInfo.InvariantCulture) };
            await client.Pods.CreateAsync(
                new V1Pod
                {
                    Metadata = new V1ObjectMeta
                    {
                        Name = name,
                        NamespaceProperty = ns,
                        Labels = new Dictionary<string, string>(template.Metadata?.Labels ?? new Dictionary<string, string>()),
                        Annotations = annotations,
                        OwnerReferences = [new V1OwnerReference { ApiVersion = "batch/v1", Kind = "Job", Name = batchJob, Uid = job.Metadata.Uid!, Controller = true, BlockOwnerDeletion = true }],
                    },
                    Spec = template.Spec,
                },
                cancellationToken: cancellationToken);
            await client.Pods.UpdateAsync(name, p => p.Status = new V1PodStatus
            {
                Phase = "Running",
                PodIP = $"10.0.0.{index + 1}",
                ContainerStatuses = [new V1ContainerStatus { Name = ChildNames.WorkerContainer, State = KubeJson.FromNode<V1ContainerState>(new JsonObject { ["running"] = new JsonObject() }) }],
            }, ns, status: true, cancellationToken: cancellationToken);
            pods.Add(name);
        }

        var message = JsonSerializer.Serialize(result, new JsonSerializerOptions(JsonSerializerDefaults.Web));
        foreach (var pod in pods)
        {
            store.AppendPodLog(ns, pod, ChildNames.WorkerContainer, log);
            await client.Pods.UpdateAsync(pod, p =>
            {
                p.Status!.Phase = "Succeeded";
                p.Status.ContainerStatuses = [new V1ContainerStatus
                {
                    Name = ChildNames.WorkerContainer,
                    State = KubeJson.FromNode<V1ContainerState>(new JsonObject { ["terminated"] = new JsonObject { ["exitCode"] = 0, ["reason"] = "Completed", ["message"] = message } }),
                },
                ];
            }, ns, status: true, cancellationToken: cancellationToken);
        }

        var now = DateTimeOffset.UtcNow;
        await client.Jobs.UpdateAsync(batchJob, j => j.Status = new BatchJobStatus
        {
            Active = 0,
            Succeeded = completions,
            StartTime = started.UtcDateTime,
            CompletionTime = now.UtcDateTime,
            Conditions =
            [
                new V1JobCondition { Type = "SuccessCriteriaMet", Status = "True", LastTransitionTime = now.UtcDateTime },
                new V1JobCondition { Type = "Complete", Status = "True", LastTransitionTime = now.UtcDateTime },
            ],
        }, ns, status: true, cancellationToken: cancellationToken);
    }
}
