using System.Globalization;
using System.Text.RegularExpressions;
using PostTrain.Torch.Optim;
using PostTrain.Trainer.Checkpoints;
using PostTrain.Trainer.Models;

namespace PostTrain.Trainer.Training;

/// <summary>
/// The checkpoints of one run in <c>OUTPUT/checkpoint-NNNNNN/</c>: each a Hugging Face directory plus
/// <c>trainer_state.json</c> and <c>optimizer.safetensors</c>, written atomically; older ones pruned to <see cref="Keep"/>.
/// </summary>
public sealed partial class CheckpointManager(string outputDirectory, int keep = 2)
{
    /// <summary>The optimizer-state file inside a checkpoint.</summary>
    public const string OptimizerFile = "optimizer.safetensors";

    /// <summary>The run's output directory.</summary>
    public string OutputDirectory { get; } = Path.GetFullPath(outputDirectory);

    /// <summary>How many complete checkpoints are kept (at least 1).</summary>
    public int Keep { get; } = Math.Max(1, keep);

    /// <summary>The directory of the checkpoint at <paramref name="step"/>.</summary>
    public string PathFor(long step) => Path.Combine(OutputDirectory, string.Create(CultureInfo.InvariantCulture, $"checkpoint-{step:D6}"));

    /// <summary>The step a checkpoint directory was saved at.</summary>
    public static long StepOf(string checkpointPath)
    {
        var match = CheckpointName().Match(Path.GetFileName(Path.GetFullPath(checkpointPath).TrimEnd(Path.DirectorySeparatorChar)));
        return match.Success ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : throw new ArgumentException($"{checkpointPath} is not a checkpoint-NNNNNN directory", nameof(checkpointPath));
    }

    /// <summary>The newest complete checkpoint, or null when there is none.</summary>
    public string? Latest()
    {
        if (!Directory.Exists(OutputDirectory))
        {
            return null;
        }

        return Complete().LastOrDefault().Path;
    }

    /// <summary>
    /// Saves weights, trainer state, optimizer state and whatever <paramref name="extraFiles"/> writes (tokenizer,
    /// adapter) as checkpoint <paramref name="state"/>.Step, then prunes old checkpoints.
    /// </summary>
    public string Save(CausalLanguageModel model, TrainerState state, AdamW? optimizer, Action<string>? extraFiles = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        var path = PathFor(state.Step);
        HfCheckpoint.Save(model, path, dir =>
        {
            extraFiles?.Invoke(dir);
            optimizer?.Save(Path.Combine(dir, OptimizerFile));
            state.Save(dir); // last: a directory with trainer_state.json is complete
        });
        foreach (var (old, _) in Complete().SkipLast(Keep))
        {
            Directory.Delete(old, recursive: true);
        }

        return path;
    }

    private List<(string Path, long Step)> Complete() =>
        [.. Directory.EnumerateDirectories(OutputDirectory)
            .Select(d => (Path: d, Match: CheckpointName().Match(System.IO.Path.GetFileName(d))))
            .Where(x => x.Match.Success && File.Exists(System.IO.Path.Combine(x.Path, TrainerState.FileName)))
            .Select(x => (x.Path, long.Parse(x.Match.Groups[1].Value, CultureInfo.InvariantCulture)))
            .OrderBy(x => x.Item2)];

    [GeneratedRegex(@"^checkpoint-(\d+)$")]
    private static partial Regex CheckpointName();
}
