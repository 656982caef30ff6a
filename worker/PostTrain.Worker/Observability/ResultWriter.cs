using System.Text;
using PostTrain.Api.Worker;
using PostTrain.Worker.Running;

namespace PostTrain.Worker.Observability;

/// <summary>
/// Writes each job's result (<see cref="WorkerResult"/>, as <see cref="WorkerJson"/> writes it) into its output
/// directory and, in a pod, the last one to the termination message path, where the operator reads it without
/// needing access to logs or volumes.
/// </summary>
public static class ResultWriter
{
    /// <summary>Kubernetes keeps at most this many bytes of a termination message.</summary>
    public const int TerminationMessageLimit = 4096;

    /// <summary>The default termination message path of a Kubernetes container.</summary>
    public const string DefaultTerminationPath = "/dev/termination-log";

    private const string Ellipsis = "...";

    /// <summary>
    /// The termination message: the result JSON in at most <see cref="TerminationMessageLimit"/> UTF-8 bytes. What
    /// does not fit goes, in this order: the table, the end of the message, the metrics, the rest of the message;
    /// kind, name, phase and checkpoint always stay.
    /// </summary>
    /// <param name="outcome">How the job ended.</param>
    /// <returns>The compact JSON text.</returns>
    public static string TerminationMessage(JobOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var full = outcome.ToResult();
        var text = WorkerJson.Serialize(full);
        if (Fits(text))
        {
            return text;
        }

        var withoutTable = outcome.ToResult(includeTable: false);
        var minimal = new WorkerResult { Kind = outcome.Kind, Name = outcome.Name, Phase = outcome.Phase, Checkpoint = withoutTable.Checkpoint, Message = outcome.Message };
        return FitMessage(withoutTable) ?? FitMessage(minimal) ?? WorkerJson.Serialize(new WorkerResult { Kind = minimal.Kind, Name = minimal.Name, Phase = minimal.Phase, Checkpoint = minimal.Checkpoint });
    }

    /// <summary>Writes the result where the operator looks for it (see <see cref="TerminationMessage"/>).</summary>
    /// <param name="outcome">How the job ended.</param>
    /// <param name="path">The termination message path.</param>
    public static void WriteTerminationMessage(JobOutcome outcome, string path) => File.WriteAllText(path, TerminationMessage(outcome));

    /// <summary>Writes <c>result.json</c> (indented, table included) next to the job's checkpoints.</summary>
    /// <param name="outcome">How the job ended.</param>
    /// <param name="directory">The job's output directory.</param>
    public static void WriteToDirectory(JobOutcome outcome, string directory)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "result.json"), WorkerJson.Serialize(outcome.ToResult(), indented: true));
    }

    /// <summary>The result as JSON within the limit, its message cut to the longest head that fits; null when even none fits.</summary>
    private static string? FitMessage(WorkerResult result)
    {
        var text = WorkerJson.Serialize(result);
        if (Fits(text))
        {
            return text;
        }

        if (result.Message is not { Length: > 0 } message)
        {
            return null;
        }

        string? best = null;
        var (low, high) = (0, message.Length - 1);
        while (low <= high)
        {
            var length = low + ((high - low) / 2);
            var head = message[..length];
            if (head.Length > 0 && char.IsHighSurrogate(head[^1]))
            {
                head = head[..^1];
            }

            result.Message = head + Ellipsis;
            text = WorkerJson.Serialize(result);
            if (Fits(text))
            {
                best = text;
                low = length + 1;
            }
            else
            {
                high = length - 1;
            }
        }

        result.Message = message;
        return best;
    }

    private static bool Fits(string text) => Encoding.UTF8.GetByteCount(text) <= TerminationMessageLimit;
}
