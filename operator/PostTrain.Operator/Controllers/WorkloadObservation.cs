using k8s.Models;
using PostTrain.Api.Jobs;
using PostTrain.Api.Worker;
using BatchJob = k8s.Models.V1Job;

namespace PostTrain.Operator.Controllers;

/// <summary>What the reconciler observed of a job's workload: the input of <see cref="StatusDerivation.Derive"/>.</summary>
/// <param name="Job">The job, as its workload runs it.</param>
/// <param name="Batch">The batch Job.</param>
/// <param name="Pods">The worker pods.</param>
/// <param name="Failures">The failed worker pods (<see cref="WorkerFailures.From"/>).</param>
/// <param name="Worker">The leading worker's /status (from the pod <see cref="StatusDerivation.ProgressSource"/> names); null when not read.</param>
internal sealed record WorkloadObservation(PostTrainJob Job, BatchJob Batch, IReadOnlyList<V1Pod> Pods, IReadOnlyList<WorkerFailure> Failures, WorkerStatus? Worker)
{
    /// <summary>Whether the job runs on more than one node (one pod per rank).</summary>
    public bool MultiNode => Job.CommonSpec.Resources.Nodes > 1;
}
