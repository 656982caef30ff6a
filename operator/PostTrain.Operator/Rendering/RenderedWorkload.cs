using k8s.Models;

namespace PostTrain.Operator.Rendering;

/// <summary>
/// The children of one job: the config map, the batch Job, for multi-node jobs the headless service and, for jobs
/// whose rewards run code, the NetworkPolicy that limits the pods' egress.
/// </summary>
/// <param name="Config">The <c>&lt;job&gt;-config</c> ConfigMap with job.json.</param>
/// <param name="Job">The batch/v1 Job running the worker.</param>
/// <param name="Service">The headless Service, or null for one node.</param>
/// <param name="NetworkPolicy">The egress NetworkPolicy, or null when no reward runs code.</param>
public sealed record RenderedWorkload(V1ConfigMap Config, V1Job Job, V1Service? Service, V1NetworkPolicy? NetworkPolicy = null);
