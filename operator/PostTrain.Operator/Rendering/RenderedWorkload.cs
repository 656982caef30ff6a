using PostTrain.Kube.Models;

namespace PostTrain.Operator.Rendering;

/// <summary>The children of one job: the config map, the batch Job and, for multi-node jobs, the headless service.</summary>
/// <param name="Config">The <c>&lt;job&gt;-config</c> ConfigMap with job.json.</param>
/// <param name="Job">The batch/v1 Job running the worker.</param>
/// <param name="Service">The headless Service, or null for one node.</param>
public sealed record RenderedWorkload(ConfigMap Config, Job Job, Service? Service);
