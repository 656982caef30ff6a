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

    /// <summary>The prefix a checkpoint that failed to load is renamed with, so it is neither resumed nor pruned.</summary>
    public const string CorruptPrefix = "corrupt-";

    /// <summary>
    /// Removes the temporary directories (<c>.tmp-*</c>) a writer killed in the middle of a save left behind: each
    /// holds a partial checkpoint (gigabytes for a real model) that nothing will ever read. Returns their names.
    /// </summary>
    public IReadOnlyList<string> RemoveLeftovers()
    {
        if (!Directory.Exists(OutputDirectory))
        {
            return [];
        }

        var removed = new List<string>();
        foreach (var leftover in Directory.EnumerateDirectories(OutputDirectory, AtomicDirectory.TemporaryPrefix + "*"))
        {
            Directory.Delete(leftover, recursive: true);
            removed.Add(System.IO.Path.GetFileName(leftover));
        }

        return removed;
    }

    /// <summary>The names of the complete checkpoints, oldest first.</summary>
    public IReadOnlyList<string> Names() =>
        Directory.Exists(OutputDirectory) ? [.. Complete().Select(c => System.IO.Path.GetFileName(c.Path))] : [];

    /// <summary>
    /// Loads the newest checkpoint that <paramref name="load"/> accepts, trying older ones when a newer one fails (a
    /// truncated or corrupt file, non-finite weights): each failure is reported in one line naming the checkpoint
    /// and, when <paramref name="moveAside"/>, the failed directory is renamed <c>corrupt-checkpoint-NNNNNN</c> so it
    /// is neither resumed nor counted as kept. Null when no checkpoint loads (or there is none).
    /// </summary>
    /// <param name="load">Loads everything from a checkpoint directory; throws when it cannot.</param>
    /// <param name="report">Where the fallback is said.</param>
    /// <param name="moveAside">True for the one process that writes the output folder.</param>
    public (string Path, T Value)? LoadNewest<T>(Func<string, T> load, Action<string> report, bool moveAside)
    {
        ArgumentNullException.ThrowIfNull(load);
        ArgumentNullException.ThrowIfNull(report);
        if (!Directory.Exists(OutputDirectory))
        {
            return null;
        }

        foreach (var (path, _) in Enumerable.Reverse(Complete()))
        {
            try
            {
                return (path, load(path));
            }
            catch (Exception e) when (e is CheckpointException or InvalidDataException or IOException or System.Text.Json.JsonException or PostTrain.Torch.TorchException or FormatException)
            {
                var name = System.IO.Path.GetFileName(path);
                var reason = FirstLine(e.Message);
                if (moveAside)
                {
                    var aside = System.IO.Path.Combine(OutputDirectory, CorruptPrefix + name);
                    if (Directory.Exists(aside))
                    {
                        aside += "-" + Guid.NewGuid().ToString("N")[..8];
                    }

                    TryMove(path, aside);
                    report($"{name} cannot be loaded ({reason}); it is moved aside to {System.IO.Path.GetFileName(aside)} and the next older checkpoint is tried");
                }
                else
                {
                    report($"{name} cannot be loaded ({reason}); trying the next older checkpoint");
                }
            }
        }

        return null;
    }

    private static void TryMove(string from, string to)
    {
        try
        {
            Directory.Move(from, to);
        }
        catch (IOException)
        {
            // another rank moved it first, or the volume refuses: skipping it is what matters
        }
    }

    private static string FirstLine(string message)
    {
        const int Limit = 300;
        var line = message.Split('\n')[0];
        return line.Length <= Limit ? line : line[..Limit] + "...";
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
