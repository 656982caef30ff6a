using PostTrain.Api.Model;

namespace PostTrain.Operator.Tests;

/// <summary>
/// What a real worker reports, for the fake workers of these tests: a checkpoint in the URI form of the job's
/// output (the worker's JobEnvironment.CheckpointUri, whose tests pin the same form), or, as workers did before, the
/// checkpoint's path inside the pod.
/// </summary>
public static class WorkerReports
{
    /// <summary>The checkpoint at <paramref name="step"/> of a job whose output is <paramref name="outputUri"/>: <c>OUTPUT/checkpoint-NNNNNN</c>.</summary>
    public static string Checkpoint(string outputUri, long step) =>
        $"{outputUri.TrimEnd('/')}/checkpoint-{step.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>The same checkpoint as an older worker reported it: its path in the pod, under the claim's mount.</summary>
    public static string LegacyCheckpoint(string pvcOutputUri, long step)
    {
        var output = SourceUri.Parse(pvcOutputUri);
        output.Kind.ShouldBe(SourceKind.Pvc);
        return Checkpoint(PvcPaths.MountPath(output.Name) + (output.Path.Length > 0 ? "/" + output.Path : ""), step);
    }
}
