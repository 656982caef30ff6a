using PostTrain.Api.Jobs;
using PostTrain.Api.Status;
using PostTrain.Operator.Rendering;
using PostTrain.Operator.Resources;
using PostTrain.Operator.Workers;

namespace PostTrain.Operator.Controllers;

/// <summary>
/// Resolves a job's <c>fromJob</c> model references against the jobs it depends on: a dependency that succeeded with
/// a checkpoint becomes the model's <c>source</c> (its <c>pvc://</c> form), one that failed (or succeeded without a
/// checkpoint) fails the job, and any other state, or a dependency that does not exist yet, is waited for.
/// </summary>
internal static class DependencyResolver
{
    /// <summary>
    /// Resolves every <c>fromJob</c> of <paramref name="job"/> in place (<c>source</c> set, <c>fromJob</c> cleared for
    /// each dependency that succeeded) and says what, if anything, is still missing. The first failed dependency
    /// stops the resolution.
    /// </summary>
    /// <param name="job">The job; its model specs are edited.</param>
    /// <param name="find">Finds a job by (kind, name) in <paramref name="job"/>'s namespace; null when there is none.</param>
    public static DependencyResolution Resolve(PostTrainJob job, Func<string, string, JobResource?> find)
    {
        var waiting = new List<string>();
        foreach (var model in WorkloadRenderer.Models(job))
        {
            if (model.FromJob is not { } reference)
            {
                continue;
            }

            var kind = reference.Kind.ToString();
            var display = $"{kind}/{reference.Name}";
            if (find(kind, reference.Name) is not { } dependency)
            {
                waiting.Add($"{display} does not exist yet");
                continue;
            }

            var status = dependency.ReadStatus();
            switch (status.Phase)
            {
                case JobPhase.Failed:
                    var why = status.FindCondition(ConditionTypes.Failed) is { } c ? $"{c.Reason}: {c.Message}" : "failed";
                    return new(null, $"{display} failed ({why})");
                case JobPhase.Succeeded when status.Checkpoint?.Uri is { Length: > 0 } uri:
                    // A status recorded from an older worker may hold a pod-local path: chain its pvc:// form.
                    model.Source = CheckpointLocations.Normalize(uri);
                    model.FromJob = null;
                    break;
                case JobPhase.Succeeded:
                    return new(null, $"{display} succeeded without reporting a checkpoint");
                default:
                    waiting.Add($"{display} is {status.Phase?.ToString() ?? "not started"}");
                    break;
            }
        }

        return new(waiting.Count > 0 ? "waiting for " + string.Join(", ", waiting) : null, null);
    }
}
