using System.Text;
using System.Text.Json;
using PostTrain.Trainer.Eval;

namespace PostTrain.Worker.Running;

/// <summary>
/// Writes an EvalJob's per-example outcome for one model as JSON lines (<c>predictions-&lt;model&gt;.jsonl</c> in the job's
/// output directory), so a user can read which problems a checkpoint gets wrong and how, not only the accuracy.
/// </summary>
public static class EvalPredictions
{
    /// <summary>The file name for <paramref name="model"/>'s predictions.</summary>
    public static string FileName(string model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var safe = new string([.. model.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')]);
        return $"predictions-{safe}.jsonl";
    }

    /// <summary>
    /// Writes one line per item (<c>id</c>, <c>prompt</c>, <c>answer</c>, <c>correct</c>, <c>samplesCorrect</c>) atomically
    /// and returns the file's path.
    /// </summary>
    public static string Write(string directory, string model, IReadOnlyList<EvalItem> items)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(items);
        Directory.CreateDirectory(directory);
        var text = new StringBuilder();
        foreach (var item in items)
        {
            text.Append(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["id"] = item.Id,
                ["prompt"] = item.Prompt,
                ["answer"] = item.GreedyAnswer,
                ["correct"] = item.GreedyCorrect,
                ["samplesCorrect"] = item.SamplesCorrect,
            })).Append('\n');
        }

        var path = Path.Combine(directory, FileName(model));
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, text.ToString());
        File.Move(temporary, path, overwrite: true);
        return path;
    }
}
