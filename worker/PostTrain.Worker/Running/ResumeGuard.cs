using System.Text.Json;
using System.Text.Json.Nodes;
using PostTrain.Api.Jobs;
using PostTrain.Api.Serialization;

namespace PostTrain.Worker.Running;

/// <summary>
/// Keeps a job from silently resuming checkpoints that were written under a different spec. The spec fields that
/// decide what the checkpoints mean (model, data, seed, hyperparameters, rewards) are recorded in the output folder
/// as <see cref="FileName"/>; a later run that would resume from that folder must match them. Fields that only say
/// how far to train, how often to log and save, or where and how the pods run may change: raising
/// <c>training.maxSteps</c> continues a finished run, as users expect.
/// </summary>
public static class ResumeGuard
{
    /// <summary>The record of the spec, in the job's output folder.</summary>
    public const string FileName = "job-spec.json";

    private static readonly string[] FreeSpecFields =
        ["output", "resume", "resources", "scheduling", "image", "env", "hfTokenSecret", "suspend", "ttlSecondsAfterFinished", "backoffLimit", "activeDeadlineSeconds"];

    private static readonly string[] FreeTrainingFields = ["maxSteps", "steps", "epochs", "logEverySteps", "evalEverySteps"];

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The part of <paramref name="job"/>'s spec that must not change under existing checkpoints.</summary>
    public static JsonObject Fingerprint(PostTrainJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var spec = JobJson.ToNode(job)["spec"]?.DeepClone().AsObject() ?? [];
        foreach (var field in FreeSpecFields)
        {
            spec.Remove(field);
        }

        if (spec["training"] is JsonObject training)
        {
            foreach (var field in FreeTrainingFields)
            {
                training.Remove(field);
            }
        }

        return spec;
    }

    /// <summary>
    /// Fails when <paramref name="resuming"/> and the spec recorded in <paramref name="outputDirectory"/> differs from
    /// <paramref name="job"/>'s, naming the changed fields and leaving every file in place; otherwise records the spec
    /// there when <paramref name="write"/> (rank 0 alone writes).
    /// </summary>
    /// <param name="job">The job about to run.</param>
    /// <param name="outputDirectory">The folder it resumes from and writes checkpoints to.</param>
    /// <param name="resuming">True when the job is about to resume from a checkpoint in that folder.</param>
    /// <param name="write">True to record the spec.</param>
    /// <exception cref="JobInputException">The checkpoints were written under a different spec.</exception>
    /// <exception cref="InvalidDataException">The recorded spec is not JSON.</exception>
    public static void Check(PostTrainJob job, string outputDirectory, bool resuming, bool write)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentException.ThrowIfNullOrEmpty(outputDirectory);
        var current = Fingerprint(job);
        var path = Path.Combine(outputDirectory, FileName);
        if (resuming && File.Exists(path))
        {
            JsonNode? recorded;
            try
            {
                recorded = JsonNode.Parse(File.ReadAllText(path));
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path} is not valid JSON ({e.Message}); delete it to resume without the check");
            }

            var changed = new List<string>();
            Differences(recorded, current, "spec", changed);
            if (changed.Count > 0)
            {
                throw new JobInputException(
                    $"{job.Kind}/{job.Metadata.Name}: {outputDirectory} holds checkpoints written under a different spec (changed: {string.Join(", ", changed)}); " +
                    "they are left as they are. To start over, delete that folder or write to another spec.output.uri");
            }
        }

        if (write)
        {
            Directory.CreateDirectory(outputDirectory);
            File.WriteAllText(path, current.ToJsonString(Indented));
        }
    }

    /// <summary>Adds the dotted path of every field that differs between <paramref name="before"/> and <paramref name="after"/>.</summary>
    private static void Differences(JsonNode? before, JsonNode? after, string path, List<string> changed)
    {
        if (before is JsonObject a && after is JsonObject b)
        {
            foreach (var key in a.Select(kv => kv.Key).Union(b.Select(kv => kv.Key), StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                Differences(a[key], b[key], $"{path}.{key}", changed);
            }
        }
        else if (!JsonNode.DeepEquals(before, after))
        {
            changed.Add(path);
        }
    }
}
