using System.Text;
using System.Text.Json.Nodes;
using PostTrain.Worker.Running;

namespace PostTrain.Worker.Observability;

/// <summary>
/// Writes each job's result JSON into its output directory and, in a pod, the last one to the termination message
/// path, where the operator reads it without needing access to logs or volumes.
/// </summary>
public static class ResultWriter
{
    /// <summary>Kubernetes keeps at most this many bytes of a termination message.</summary>
    public const int TerminationMessageLimit = 4096;

    /// <summary>The default termination message path of a Kubernetes container.</summary>
    public const string DefaultTerminationPath = "/dev/termination-log";

    /// <summary>Writes the result where the operator looks for it. Tables are dropped first when it would not fit.</summary>
    public static void WriteTerminationMessage(JobOutcome outcome, string path)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var text = outcome.ToResultJson().ToJsonString();
        if (Encoding.UTF8.GetByteCount(text) > TerminationMessageLimit)
        {
            text = outcome.ToResultJson(includeTable: false).ToJsonString();
        }

        if (Encoding.UTF8.GetByteCount(text) > TerminationMessageLimit)
        {
            var minimal = new JsonObject { ["kind"] = outcome.Kind, ["name"] = outcome.Name, ["phase"] = outcome.Phase };
            if (outcome.CheckpointUri is not null)
            {
                minimal["checkpoint"] = new JsonObject { ["uri"] = outcome.CheckpointUri, ["step"] = outcome.CheckpointStep };
            }

            text = minimal.ToJsonString();
        }

        File.WriteAllText(path, text);
    }

    /// <summary>Writes <c>result.json</c> next to the job's checkpoints.</summary>
    public static void WriteToDirectory(JobOutcome outcome, string directory)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "result.json"), outcome.ToResultJson().ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
    }
}
